package io.dls.receiver.sink;

import io.dls.receiver.codec.Event;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure parts of the Kafka sink; what it writes to a real broker is checked in the e2e tests. */
class KafkaEventSinkTest {

    @Test
    void chunkHeaderIsTheIdHashAndDecimalIndex() {
        byte[] prefix = "abc#".getBytes(StandardCharsets.US_ASCII);
        for (int i : new int[]{0, 7, 9, 10, 99, 100, 12345, Integer.MAX_VALUE}) {
            assertThat(new String(KafkaEventSink.chunkHeader(prefix, i), StandardCharsets.US_ASCII)).isEqualTo("abc#" + i);
        }
    }

    @Test
    void timeHeaderIsSecondsThenNanosBigEndian() {
        byte[] b = KafkaEventSink.timeBytes(new Event(0xFEDCBA98L, 999_999_999, true, new byte[0]));
        assertThat(b).containsExactly(0xFE, 0xDC, 0xBA, 0x98, 0x3B, 0x9A, 0xC9, 0xFF);
    }

    @Test
    void ackGuaranteesCannotBeConfiguredAway() {
        var cfg = new KafkaSinkConfig("127.0.0.1:9092", "logs.raw", false,
                Map.of("acks", "1", "enable.idempotence", "false", "compression.type", "zstd"));
        Map<String, Object> p = KafkaEventSink.producerProperties(cfg, 32L << 20);
        assertThat(p).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("compression.type", "zstd");
        assertThat((Long) p.get("buffer.memory")).isGreaterThan(2 * (32L << 20));
    }
}
