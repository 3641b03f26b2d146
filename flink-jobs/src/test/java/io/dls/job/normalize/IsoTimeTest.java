package io.dls.job.normalize;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** @timestamp keeps the exact text Instant.toString gives, whatever the precision. */
class IsoTimeTest {
    @Test
    void sameTextAsInstant() {
        Random r = new Random(3);
        long[] seconds = {0, 1, 59, 1_700_000_000L, 9_223_372_035L};
        int[] nanos = {0, 1, 999_999_999, 1_000_000, 120_000_000, 123_000, 123_456_000, 100, 500_000_001};
        for (long s : seconds) {
            for (int n : nanos) {
                assertThat(IsoTime.of(s, n)).isEqualTo(Instant.ofEpochSecond(s, n).toString());
            }
        }
        for (int i = 0; i < 100_000; i++) {
            long s = 1_700_000_000L + r.nextInt(5); // mostly the same second as the call before
            int n = switch (r.nextInt(4)) {
                case 0 -> 0;
                case 1 -> r.nextInt(1000) * 1_000_000;
                case 2 -> r.nextInt(1_000_000) * 1000;
                default -> r.nextInt(1_000_000_000);
            };
            assertThat(IsoTime.of(s, n)).isEqualTo(Instant.ofEpochSecond(s, n).toString());
        }
    }
}
