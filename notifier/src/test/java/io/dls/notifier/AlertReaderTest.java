package io.dls.notifier;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlertReaderTest {
    private final AlertReader reader = new AlertReader();
    private static final Instant FALLBACK = Instant.parse("2026-12-01T00:00:00Z");

    private PipelineAlert read(String json) throws Exception {
        return reader.read(json.getBytes(StandardCharsets.UTF_8), FALLBACK);
    }

    /** Byte for byte what flink-jobs Alert.toDocument() writes today (from its dry-run output). */
    @Test
    void readsTodaysAlertDocument() throws Exception {
        PipelineAlert a = read("""
                {"@timestamp":"2026-12-01T12:00:05.123Z","message":"5 errors from checkout within 30s",
                 "event":{"id":"6f1c","kind":"alert","severity":"critical","dataset":"alerts",
                          "start":"2026-12-01T12:00:01.000000001Z","end":"2026-12-01T12:00:04.5Z"},
                 "rule":{"name":"error-burst"},
                 "alert":{"key":{"field":"service.name","value":"checkout"},"count":5,
                          "event_ids":["a","b","c","d","e"],"topic":"critical_logs"},
                 "service":{"name":"checkout"},"log":{"level":"ERROR"}}""");
        assertThat(a.ruleName()).isEqualTo("error-burst");
        assertThat(a.severity()).isEqualTo("critical");
        assertThat(a.keyField()).isEqualTo("service.name");
        assertThat(a.keyValue()).isEqualTo("checkout");
        assertThat(a.alertId()).isEqualTo("6f1c");
        assertThat(a.raisedAt()).isEqualTo(Instant.parse("2026-12-01T12:00:05.123Z"));
        assertThat(a.firstEvent()).isEqualTo(Instant.parse("2026-12-01T12:00:01.000000001Z"));
        assertThat(a.lastEvent()).isEqualTo(Instant.parse("2026-12-01T12:00:04.5Z"));
        assertThat(a.eventCount()).isEqualTo(5);
        assertThat(a.eventIds()).containsExactly("a", "b", "c", "d", "e");
        assertThat(a.labels()).isEmpty();
        assertThat(a.description()).isEmpty();
        assertThat(a.runbookUrl()).isEmpty();
        assertThat(a.resolveAfter()).isEmpty();
    }

    @Test
    void readsTheOptionalFieldsThePatternsWillCarry() throws Exception {
        PipelineAlert a = read("""
                {"@timestamp":"2026-12-01T12:00:05Z","message":"m","event":{"kind":"alert","severity":"warning"},
                 "rule":{"name":"p"},
                 "alert":{"key":{"field":"host.name","value":"n1"},"labels":{"team":"core","silence_inhibitable":"true","n":3,"skip":{"a":1}},
                          "description":"d","runbook_url":"https://r","resolve_after_ms":30000}}""");
        assertThat(a.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("team", "core", "silence_inhibitable", "true", "n", "3"));
        assertThat(a.description()).contains("d");
        assertThat(a.runbookUrl()).contains("https://r");
        assertThat(a.resolveAfter()).contains(Duration.ofSeconds(30));
        assertThat(a.firstEvent()).as("no event.start: the alert's time").isEqualTo(a.raisedAt());
    }

    @Test
    void fallsBackToEcsRuleFieldsAndTheRecordTime() throws Exception {
        PipelineAlert a = read("""
                {"rule":{"name":"p","description":"from rule","reference":"https://ref"},"event":{"start":"2026-12-01T12:00:00+01:00"}}""");
        assertThat(a.description()).contains("from rule");
        assertThat(a.runbookUrl()).contains("https://ref");
        assertThat(a.raisedAt()).isEqualTo(FALLBACK);
        assertThat(a.firstEvent()).isEqualTo(Instant.parse("2026-12-01T11:00:00Z"));
        assertThat(a.keyField()).isEmpty();
        assertThat(a.eventIds()).isEqualTo(List.of());
    }

    @Test
    void refusesWhatIsNotAnAlert() {
        assertThatThrownBy(() -> read("not json")).isInstanceOf(AlertReader.UnreadableAlert.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> read("[1]")).isInstanceOf(AlertReader.UnreadableAlert.class);
        assertThatThrownBy(() -> read("{\"message\":\"x\"}")).hasMessageContaining("rule.name");
        assertThatThrownBy(() -> read("{\"rule\":{\"name\":\"p\"},\"event\":{\"kind\":\"event\"}}"))
                .hasMessageContaining("event.kind");
        assertThatThrownBy(() -> reader.read(null, FALLBACK)).hasMessageContaining("tombstone");
    }
}
