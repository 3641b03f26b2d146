package io.dls.job.normalize;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Ids must never change between versions: a replay after an upgrade would duplicate every document. */
class EventIdsTest {
    @Test
    void sameAsNameBasedUuids() {
        for (int i = 0; i < 1000; i++) {
            String chunk = "c" + i + "#" + (i % 7);
            assertThat(EventIds.of("app.tag" + i, chunk, "logs.raw", i % 3, i))
                    .isEqualTo(UUID.nameUUIDFromBytes(("chunk|app.tag" + i + "|" + chunk).getBytes(StandardCharsets.UTF_8)).toString());
            assertThat(EventIds.of("t", null, "logs.raw", i % 3, i * 1000L))
                    .isEqualTo(UUID.nameUUIDFromBytes(("kafka|logs.raw|" + (i % 3) + "|" + (i * 1000L)).getBytes(StandardCharsets.UTF_8)).toString());
        }
    }
}
