package io.dls.notifier;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class AlertMapperTest {
    private final AlertMapper mapper = new AlertMapper(new KibanaLinks("http://kibana:5601/", "dls-logs"));
    private static final Instant T = Instant.parse("2026-12-01T12:00:00Z");

    private static PipelineAlert alert(String field, String value, Map<String, String> labels, List<String> ids) {
        return new PipelineAlert("error-burst", "critical", field, value, "msg", "aid", T, T.minusSeconds(3), T,
                ids.size(), ids, labels, Optional.of("desc"), Optional.of("https://rb"), Optional.empty());
    }

    @Test
    void keyFieldsBecomeServiceHostOrASanitizedName() {
        assertThat(AlertMapper.keyLabel("service.name")).isEqualTo("service");
        assertThat(AlertMapper.keyLabel("host.name")).isEqualTo("host");
        assertThat(AlertMapper.keyLabel("event.dataset")).isEqualTo("event_dataset");
        assertThat(AlertMapper.keyLabel("fields.k8s-pod")).isEqualTo("fields_k8s_pod");
        assertThat(AlertMapper.keyLabel("9lives")).isEqualTo("_9lives");
        assertThat(AlertMapper.keyLabel("severity")).isEqualTo("key_severity");
        assertThat(AlertMapper.keyLabel("")).isNull();
    }

    @Test
    void patternLabelsAreAddedButNeverReplaceTheIdentity() {
        Map<String, String> labels = mapper.labels(alert("service.name", "checkout",
                Map.of("alertname", "x", "service", "y", "team", "core", "a.b", "1", "empty", ""), List.of("e")));
        assertThat(labels).containsExactlyInAnyOrderEntriesOf(Map.of("alertname", "error-burst",
                "severity", "critical", "service", "checkout", "team", "core", "a_b", "1"));
    }

    @Test
    void annotationsCarryTheEvidence() {
        AlertmanagerAlert a = mapper.firing(alert("service.name", "checkout", Map.of(), List.of("e1", "e2", "e3")));
        assertThat(a.annotations()).containsEntry("summary", "msg").containsEntry("description", "desc")
                .containsEntry("runbook_url", "https://rb").containsEntry("event_count", "3")
                .containsEntry("first_event_id", "e1").containsEntry("last_event_id", "e3")
                .containsEntry("alert_id", "aid")
                .containsEntry("window", "2026-12-01T11:59:57Z to 2026-12-01T12:00:00Z");
        assertThat(a.annotations().get("evidence")).isEqualTo(
                "3 event(s) from 2026-12-01T11:59:57Z to 2026-12-01T12:00:00Z (3.000 s); first event id e1, last event id e3");
        assertThat(a.startsAt()).isEqualTo(T.minusSeconds(3));
        assertThat(a.generatorUrl()).isEqualTo("http://kibana:5601/app/discover#/?_g=(time:(from:'2026-12-01T11:58:57Z',"
                + "to:'2026-12-01T12:01:00Z'))&_a=(index:'dls-logs',query:(language:kuery,"
                + "query:'event.id:(%22e1%22%20or%20%22e2%22%20or%20%22e3%22)'))");
    }

    @Test
    void manyEventIdsLinkByTheKeyInstead() {
        List<String> ids = java.util.stream.IntStream.range(0, KibanaLinks.MAX_IDS + 1).mapToObj(i -> "e" + i).toList();
        String url = mapper.firing(alert("service.name", "it's", Map.of(), ids)).generatorUrl();
        assertThat(url).contains("query:'service.name:%22it!'s%22'").doesNotContain("e50");
    }
}
