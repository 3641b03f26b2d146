package io.dls.job.normalize;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EventSizeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LogEvent event(String message, Map<String, Object> fields) {
        LogEvent e = new Normalizer(AliasConfig.defaults()).normalize("t", 1_700_000_000L, 0,
                new LinkedHashMap<>(Map.of("message", message, "log_level", "ERROR")), "id");
        e.fields = fields;
        return e;
    }

    private static int jsonBytes(LogEvent e) throws Exception {
        return JSON.writeValueAsBytes(e.toDocument()).length;
    }

    @Test
    void jsonSizeIsWhatJacksonWrites() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ascii", "plain \"quoted\" \\ back");
        m.put("ctrl", "\n\t\u0001\u001f");
        m.put("utf8", "é€");
        m.put("nums", List.of(1L, -2.5, 1e300, true, false));
        m.put("nil", null);
        m.put("nested", Map.of("k", List.of()));
        assertThat(JsonSize.of(m)).isEqualTo(JSON.writeValueAsBytes(m).length);
        // Outside the Basic Multilingual Plane the estimate may exceed, never fall short.
        assertThat(JsonSize.of("\uD83D\uDE00")).isGreaterThanOrEqualTo(JSON.writeValueAsBytes("\uD83D\uDE00").length - 2);
    }

    @Test
    void aSmallEventIsLeftAlone() throws Exception {
        LogEvent e = event("short", null);
        EventSize.fit(e, 4096, 10_000_000, "here", 0, 0); // a large raw size forces the measurement
        assertThat(e.message).isEqualTo("short");
        assertThat(e.tags).isNull();
    }

    @Test
    void longStringsAreCutUntilTheEventFits() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("big", "é".repeat(50_000));
        fields.put("list", List.of("x".repeat(30_000), "small"));
        fields.put("k".repeat(20_000), "long key");
        LogEvent e = event("m".repeat(100_000), fields);
        EventSize.fit(e, 16_384, 300_000, "logs.raw", 1, 2);
        assertThat(jsonBytes(e)).isLessThanOrEqualTo(16_384);
        assertThat(e.tags).containsExactly(Note.TRUNCATED);
        assertThat(e.reason).contains("message (100000 bytes)").contains("fields.big (100000 bytes)")
                .contains("logs.raw partition 1 offset 2");
        assertThat(e.message).startsWith("mmm");
        assertThat((List<?>) e.fields.get("list")).element(1).isEqualTo("small");
        assertThat(e.fields).hasSize(3);
        assertThat(e.level).isEqualTo("ERROR");
    }

    @Test
    void cutsNeverSplitACharacter() {
        String s = "a" + "\uD83D\uDE00".repeat(10);
        String p = EventSize.prefix(s, 1 + 12 * 3 + 5);
        assertThat(p).isEqualTo("a" + "\uD83D\uDE00".repeat(3));
    }

    @Test
    void tooManySmallValuesDropTheFields() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < 5000; i++) {
            fields.put("k" + i, i);
        }
        LogEvent e = event("m", fields);
        EventSize.fit(e, 8192, 100_000, "there", 0, 0);
        assertThat(jsonBytes(e)).isLessThanOrEqualTo(8192);
        assertThat(e.fields).isNull();
        assertThat(e.reason).contains("fields and error dropped").contains("there");
    }
}
