package io.dls.job.normalize;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test per alias family of contract 2. */
class NormalizerTest {
    private final Normalizer normalizer = new Normalizer(AliasConfig.defaults());

    private LogEvent norm(Map<String, Object> record) {
        return normalizer.normalize("app.tag", 1_700_000_000L, 123_456_789, record, "id-1");
    }

    static Map<String, Object> rec(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void originalSystemRecords() {
        LogEvent e = norm(rec("log_level", "ERROR", "service_name", "payment", "node_id", "payment-2",
                "message_type", "LOG", "message", "card declined", "error_details", "CardError: declined\n  at x",
                "order_id", 42L));
        assertThat(e.level).isEqualTo("ERROR");
        assertThat(e.service).isEqualTo("payment");
        assertThat(e.host).isEqualTo("payment-2");
        assertThat(e.type).isEqualTo("LOG");
        assertThat(e.kind).isEqualTo("event");
        assertThat(e.message).isEqualTo("card declined");
        assertThat(e.error).containsEntry("message", "CardError: declined").containsKey("stack_trace");
        assertThat(e.fields).containsExactly(Map.entry("order_id", 42L));
        assertThat(e.timestamp).isEqualTo("2023-11-14T22:13:20.123456789Z");
        assertThat(e.epochMillis).isEqualTo(1_700_000_000_123L);
        assertThat(e.dataset).isEqualTo("app.tag");
        assertThat(e.eventId).isEqualTo("id-1");
    }

    @Test
    void heartbeatsAndRegistrations() {
        LogEvent hb = norm(rec("message_type", "heartbeat", "node_id", "n1", "service_name", "order", "status", "up"));
        assertThat(hb.type).isEqualTo("HEARTBEAT");
        assertThat(hb.kind).isEqualTo("state");
        assertThat(hb.status).isEqualTo("UP");
        assertThat(hb.isHeartbeat()).isTrue();
        LogEvent down = norm(rec("message_type", "HEARTBEAT", "node_id", "n1", "status", "DOWN"));
        assertThat(down.status).isEqualTo("DOWN");
        LogEvent reg = norm(rec("message_type", "REGISTRATION", "node_id", "n2", "service_name", "order"));
        assertThat(reg.isRegistration()).isTrue();
        assertThat(reg.kind).isEqualTo("state");
        for (String word : new String[] {"DEREGISTRATION", "deregister", "UNREGISTER"}) {
            LogEvent gone = norm(rec("message_type", word, "node_id", "n2"));
            assertThat(gone.isDeregistration()).as(word).isTrue();
            assertThat(gone.kind).isEqualTo("state");
        }
        LogEvent odd = norm(rec("message_type", "GOSSIP", "message", "x"));
        assertThat(odd.type).isEqualTo("LOG");
        assertThat(odd.fields).containsEntry("message_type", "GOSSIP");
    }

    @Test
    void dockerFluentdLogDriver() {
        LogEvent e = norm(rec("log", "GET / 200", "container_name", "/web-1", "container_id", "abc", "source", "stdout"));
        assertThat(e.message).isEqualTo("GET / 200");
        assertThat(e.service).isEqualTo("web-1");
        assertThat(e.level).isEqualTo("UNKNOWN");
        assertThat(e.fields).containsKeys("container_id", "source");
    }

    @Test
    void kubernetesMetadata() {
        LogEvent e = norm(rec("log", "started", "kubernetes", rec("pod_name", "cart-7d9", "namespace_name", "shop",
                "host", "worker-3", "labels", rec("app", "cart"), "container_name", "cart")));
        assertThat(e.service).isEqualTo("cart");
        assertThat(e.host).isEqualTo("worker-3");
        @SuppressWarnings("unchecked")
        Map<String, Object> k8s = (Map<String, Object>) e.fields.get("kubernetes");
        assertThat(k8s).containsEntry("namespace_name", "shop").containsEntry("pod_name", "cart-7d9");
        assertThat(e.get("kubernetes.namespace_name")).isEqualTo("shop");
    }

    @Test
    void journald() {
        LogEvent e = norm(rec("MESSAGE", "Started Session 5", "PRIORITY", "6", "SYSLOG_IDENTIFIER", "systemd",
                "_HOSTNAME", "box1", "_PID", "1"));
        assertThat(e.message).isEqualTo("Started Session 5");
        assertThat(e.level).isEqualTo("INFO");
        assertThat(e.service).isEqualTo("systemd");
        assertThat(e.host).isEqualTo("box1");
        assertThat(norm(rec("MESSAGE", "x", "PRIORITY", "2")).level).isEqualTo("FATAL");
    }

    @Test
    void ecsNestedAndFlat() {
        LogEvent nested = norm(rec("message", "m", "log", rec("level", "warn", "logger", "x.Y"),
                "service", rec("name", "inventory"), "host", rec("name", "h1")));
        assertThat(nested.level).isEqualTo("WARN");
        assertThat(nested.service).isEqualTo("inventory");
        assertThat(nested.host).isEqualTo("h1");
        assertThat(nested.fields).containsEntry("log", rec("logger", "x.Y"));
        LogEvent flat = norm(rec("message", "m", "log.level", "error", "service.name", "s", "host.name", "h"));
        assertThat(flat.level).isEqualTo("ERROR");
        assertThat(flat.service).isEqualTo("s");
        assertThat(flat.fields).isNull();
    }

    @Test
    void valuesOfTheWrongTypeStayUnderFieldsWithAReason() {
        LogEvent e = norm(rec("log_level", rec("v", "ERROR"), "message", List.of("a", "b"), "status", rec("s", "DOWN"),
                "message_type", List.of("LOG"), "error_details", List.of("x")));
        assertThat(e.level).isEqualTo("UNKNOWN");
        assertThat(e.message).isNull();
        assertThat(e.status).isNull();
        assertThat(e.type).isEqualTo("LOG");
        assertThat(e.error).isNull();
        assertThat(e.fields).containsEntry("log_level", rec("v", "ERROR")).containsEntry("message", List.of("a", "b"))
                .containsEntry("status", rec("s", "DOWN")).containsEntry("message_type", List.of("LOG"))
                .containsEntry("error_details", List.of("x"));
        assertThat(e.tags).containsExactly(Note.WRONG_TYPE);
        assertThat(e.reason).contains("log_level (a map) cannot be log.level").contains("message (an array) cannot be message")
                .contains("error_details (an array) cannot be error");
    }

    @Test
    void aUsableAliasWinsOverAnUnusableOne() {
        LogEvent e = norm(rec("message", rec("text", "structured"), "msg", "plain"));
        assertThat(e.message).isEqualTo("plain");
        assertThat(e.fields).containsEntry("message", rec("text", "structured"));
        assertThat(e.tags).as("nothing was lost or changed").isNull();
    }

    @Test
    void anEcsLogObjectIsNotAWrongTypeForTheLogAlias() {
        LogEvent e = norm(rec("log", rec("level", "warn", "logger", "a.B"), "service", rec("name", "inv")));
        assertThat(e.level).isEqualTo("WARN");
        assertThat(e.message).isNull();
        assertThat(e.tags).isNull();
    }

    @Test
    void numbersAndBooleansWhereTextBelongsAreUsedAsTextAndSaySo() {
        LogEvent e = norm(rec("service_name", 42L, "node_id", true, "message", 3.5, "status", 1L));
        assertThat(List.of(e.service, e.host, e.message, e.status)).containsExactly("42", "true", "3.5", "1");
        assertThat(e.tags).containsExactly(Note.WRONG_TYPE);
        assertThat(e.reason).contains("service_name (a number) used as text").contains("node_id (a boolean) used as text");
        assertThat(norm(rec("message", "m", "level", 3L)).tags).as("a syslog number is a level").isNull();
    }

    @Test
    void anUnknownLevelWordIsKeptWithAReason() {
        LogEvent e = norm(rec("message", "m", "log_level", "banana"));
        assertThat(e.level).isEqualTo("UNKNOWN");
        assertThat(e.fields).containsEntry("log_level", "banana");
        assertThat(e.tags).containsExactly(Note.UNKNOWN_LEVEL);
        assertThat(e.reason).contains("'banana' (log_level)");
        LogEvent nested = norm(rec("message", "m", "log", rec("level", 42L)));
        assertThat(nested.fields).containsEntry("log.level", 42L);
    }

    @Test
    void errorMessageFallbackOnlyFromText() {
        LogEvent e = norm(rec("error", rec("message", rec("deep", 1L), "type", "X")));
        assertThat(e.message).isNull();
        assertThat(e.error).containsEntry("message", rec("deep", 1L));
    }

    @ParameterizedTest
    @CsvSource({"warning,WARN", "WARN,WARN", "err,ERROR", "crit,FATAL", "emerg,FATAL", "alert,FATAL",
            "notice,INFO", "debug,DEBUG", "trace,TRACE", "3,ERROR", "4,WARN", "7,DEBUG", "0,FATAL", "banana,UNKNOWN"})
    void levelWordsAndSyslogNumbers(String raw, String level) {
        assertThat(norm(rec("message", "m", "level", raw)).level).isEqualTo(level);
    }

    @Test
    void numericLevelAndMissingLevel() {
        assertThat(norm(rec("message", "m", "severity", 3L)).level).isEqualTo("ERROR");
        assertThat(norm(rec("message", "m")).level).isEqualTo("UNKNOWN");
    }

    @Test
    void ecsErrorObjectKept() {
        LogEvent e = norm(rec("error", rec("type", "IOException", "message", "disk full")));
        assertThat(e.error).containsEntry("type", "IOException");
        assertThat(e.message).as("message falls back to error.message").isEqualTo("disk full");
    }

    @Test
    void timeOutsideDateNanosRangeIsRefused() {
        assertThatThrownBy(() -> normalizer.normalize("t", -5, 0, rec("message", "m"), "i"))
                .hasMessageContaining("outside 1970..2262");
        assertThatThrownBy(() -> normalizer.normalize("t", 99_999_999_999L, 0, rec("message", "m"), "i"))
                .hasMessageContaining("outside");
    }

    @Test
    void aliasesAreConfigurationNotCode(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("aliases.yaml");
        java.nio.file.Files.writeString(f, """
                message: [text]
                level: [sev]
                service: [svc]
                host: [box]
                type: [kind]
                status: [state]
                error: [oops]
                levels: {ERROR: [bad]}
                types: {HEARTBEAT: [beat]}
                """);
        LogEvent e = new Normalizer(AliasConfig.load(f)).normalize("t", 1, 0,
                rec("text", "hello", "sev", "bad", "svc", "a", "box", "b", "kind", "beat", "message", "kept"), "i");
        assertThat(List.of(e.message, e.level, e.service, e.host, e.type)).containsExactly("hello", "ERROR", "a", "b", "HEARTBEAT");
        assertThat(e.fields).containsEntry("message", "kept");
    }

    @Test
    void eventIdsAreDeterministic() {
        String a = EventIds.of("tag", "chunkA#3", "logs.raw", 0, 10);
        assertThat(EventIds.of("tag", "chunkA#3", "logs.raw", 2, 99)).as("a resent chunk keeps its ids").isEqualTo(a);
        assertThat(EventIds.of("tag", "chunkA#4", "logs.raw", 0, 10)).isNotEqualTo(a);
        assertThat(EventIds.of("tag", null, "logs.raw", 0, 10)).isEqualTo(EventIds.of("tag", null, "logs.raw", 0, 10))
                .isNotEqualTo(EventIds.of("tag", null, "logs.raw", 0, 11));
    }
}
