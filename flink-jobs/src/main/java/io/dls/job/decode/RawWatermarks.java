package io.dls.job.decode;

import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

import java.time.Duration;

/**
 * Bounded-out-of-orderness watermarks over the raw records whose own time the job uses. A record whose time
 * {@link InputLimits} replaces (missing, or too far ahead) gets the job's clock as its timestamp but does not
 * move the watermark: a year-9999 record would otherwise make every later event late for the event-time
 * alert patterns, and even the job's clock would, for a backlog being caught up.
 */
public final class RawWatermarks extends BoundedOutOfOrdernessWatermarks<RawRecord> {
    public RawWatermarks(Duration outOfOrderness) {
        super(outOfOrderness);
    }

    /**
     * The timestamp assigner ({@link InputLimits#flinkTimestamp}) already decided: it keeps the record's own
     * time or gives the job's clock, which never equals a replaced (negative or far-future) time.
     */
    @Override
    public void onEvent(RawRecord r, long timestamp, WatermarkOutput output) {
        if (timestamp == r.timestamp) {
            super.onEvent(r, timestamp, output);
        }
    }
}
