package io.dls.contracts;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Round trips of every codec that crosses a module boundary. */
class ContractsTest {

    @Property
    void timeHeaderRoundTrips(@ForAll @LongRange(min = 0, max = 0xffffffffL) long seconds,
                              @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
        assertThat(FluentHeaders.time(FluentHeaders.time(seconds, nanos)))
                .isEqualTo(new FluentHeaders.Time(seconds, nanos));
    }

    @Test
    void timeHeaderIsBigEndianSecondsThenNanos() {
        assertThat(FluentHeaders.time(0x01020304L, 0x05060708))
                .containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThatThrownBy(() -> FluentHeaders.time(new byte[7])).hasMessageContaining("8 bytes");
        assertThatThrownBy(() -> FluentHeaders.time(new byte[]{0, 0, 0, 0, 0x3b, (byte) 0x9a, (byte) 0xca, 0}))
                .hasMessageContaining("nanoseconds");
    }

    @Property
    void chunkHeaderRoundTrips(@ForAll @StringLength(max = 60) String chunkId,
                               @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int index) {
        byte[] id = chunkId.getBytes(StandardCharsets.UTF_8);
        byte[] value = FluentHeaders.chunk(FluentHeaders.chunkPrefix(id), index);
        FluentHeaders.Chunk back = FluentHeaders.chunk(value);
        assertThat(back.chunkId()).isEqualTo(new String(id, StandardCharsets.UTF_8));
        assertThat(back.index()).isEqualTo(index);
    }

    @Test
    void chunkIdsKeepFluentdsTrailingNewline() {
        byte[] v = FluentHeaders.chunk(FluentHeaders.chunkPrefix("ZhkgLO4yJfi8xWi48loeNQ==\n".getBytes()), 12);
        assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("ZhkgLO4yJfi8xWi48loeNQ==\n#12");
        assertThat(FluentHeaders.chunk(v)).isEqualTo(new FluentHeaders.Chunk("ZhkgLO4yJfi8xWi48loeNQ==\n", 12));
        assertThatThrownBy(() -> FluentHeaders.chunk("no-index".getBytes())).hasMessageContaining("#index");
    }

    @Property
    void numberHeadersRoundTrip(@ForAll @LongRange(min = 0) long n) {
        assertThat(FluentHeaders.number(FluentHeaders.number(n))).isEqualTo(n);
    }

    @Property
    void dailyIndexOfTheInstantAndOfItsText(@ForAll @LongRange(min = 0, max = 253402300799999L) long millis) {
        String text = Instant.ofEpochMilli(millis).toString();
        assertThat(IndexNames.logsOfTimestamp(text)).contains(IndexNames.logs(millis));
        assertThat(IndexNames.alertsOfTimestamp(text)).contains(IndexNames.alerts(millis));
        LocalDate day = IndexNames.logsDay(IndexNames.logs(millis)).orElseThrow();
        assertThat(IndexNames.startOfDayMillis(day)).isLessThanOrEqualTo(millis)
                .isGreaterThan(millis - 86_400_000L);
    }

    @Test
    void indexNames() {
        long t = Instant.parse("2026-12-01T23:59:59.999Z").toEpochMilli();
        assertThat(IndexNames.logs(t)).isEqualTo("logs-2026.12.01");
        assertThat(IndexNames.logs(t + 1)).isEqualTo("logs-2026.12.02");
        assertThat(IndexNames.alerts(t)).isEqualTo("alerts-2026.12");
        assertThat(IndexNames.logsOfTimestamp("2026-12-01T13:52:52.123456789Z")).contains("logs-2026.12.01");
        assertThat(IndexNames.logsOfTimestamp("yesterday")).isEmpty();
        assertThat(IndexNames.logsDay("logs-2026.02.30")).isEmpty();
        assertThat(IndexNames.logsDay("logs-archive")).isEmpty();
        assertThat(IndexNames.logsDay("alerts-2026.12")).isEmpty();
    }

    @Test
    void jobsByCommand() {
        for (JobNames j : JobNames.values()) {
            assertThat(JobNames.ofCommand(j.command())).isSameAs(j);
        }
        assertThat(JobNames.PIPELINE.flinkName()).isNotEqualTo(JobNames.INDEX.flinkName());
        assertThatThrownBy(() -> JobNames.ofCommand("indexer")).hasMessageContaining("pipeline").hasMessageContaining("index");
    }

    @Test
    void topicsAreDistinct() {
        assertThat(TopicNames.CREATED_BY_DLS).doesNotHaveDuplicates()
                .contains(TopicNames.RAW, TopicNames.ALL, TopicNames.ALERTS, TopicNames.DEAD_LETTER);
    }
}
