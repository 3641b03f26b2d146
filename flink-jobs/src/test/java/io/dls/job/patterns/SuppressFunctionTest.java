package io.dls.job.patterns;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SuppressFunctionTest {

    private static Alert alert(String key, long epochMillis, String id) {
        Alert a = new Alert();
        a.pattern = "error-burst";
        a.keyField = "service.name";
        a.keyValue = key;
        a.epochMillis = epochMillis;
        a.alertId = id;
        return a;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Alert, Alert> harness(boolean processingTime)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new SuppressFunction(60_000, processingTime)),
                new PatternStreams.AlertKey(), Types.STRING);
        h.open();
        return h;
    }

    @Test
    void processingTimeDropsRepeatsWithinThePeriodAndLeavesNothingBehind() throws Exception {
        try (var h = harness(true)) {
            h.setProcessingTime(1_000);
            h.processElement(new StreamRecord<>(alert("cart", 0, "a1")));
            h.processElement(new StreamRecord<>(alert("search", 0, "s1")));
            h.setProcessingTime(30_000);
            h.processElement(new StreamRecord<>(alert("cart", 0, "a2"))); // within 1 m of a1: dropped
            assertThat(h.extractOutputValues()).extracting(a -> a.alertId).containsExactly("a1", "s1");
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(2);

            h.setProcessingTime(61_000); // the period is over: timers fire and clear the state
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();

            h.processElement(new StreamRecord<>(alert("cart", 0, "a3"))); // after the period: passes
            assertThat(h.extractOutputValues()).extracting(a -> a.alertId).containsExactly("a1", "s1", "a3");

            h.setProcessingTime(200_000);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void eventTimeUsesTheAlertsOwnTime() throws Exception {
        try (var h = harness(false)) {
            h.processElement(new StreamRecord<>(alert("cart", 10_000, "a1"), Long.MAX_VALUE));
            h.processElement(new StreamRecord<>(alert("cart", 69_999, "a2"), Long.MAX_VALUE)); // dropped
            h.processElement(new StreamRecord<>(alert("cart", 70_000, "a3"), Long.MAX_VALUE)); // period over
            assertThat(h.extractOutputValues()).extracting(a -> a.alertId).containsExactly("a1", "a3");
            // a1's timer was replaced by a3's: one timer, one state entry.
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);

            h.processWatermark(129_999);
            assertThat(h.numKeyedStateEntries()).isEqualTo(1);
            h.processWatermark(130_000);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }
}
