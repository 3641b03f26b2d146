package io.dls.job.patterns;

import io.dls.job.normalize.LogEvent;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.dls.job.patterns.TestEvents.log;
import static io.dls.job.patterns.TestEvents.withFields;
import static org.assertj.core.api.Assertions.assertThat;

class ConditionTest {

    /** The condition of a one-step pattern, read through the loader as a user would write it. */
    private static Condition where(String condition) {
        String yaml = "name: t\nkey: service.name\nseverity: info\ntopic: t\nsteps:\n  - where: " + condition + "\n";
        return PatternLoader.parse(yaml, "test.yaml").steps().get(0).where();
    }

    private final LogEvent error = withFields(log(0, "payment", "node-1", "ERROR", "Connection timeout to db-7"),
            Map.of("latency_ms", 1500, "code", "503", "ratio", "0.25", "retry", true, "http", Map.of("status", 502)));

    @Test
    void equalsComparesTextAndNumbers() {
        assertThat(where("{field: log.level, equals: ERROR}").test(error)).isTrue();
        assertThat(where("{field: log.level, equals: error}").test(error)).as("case-sensitive").isFalse();
        assertThat(where("{field: fields.code, equals: 503}").test(error)).as("numeric string vs number").isTrue();
        assertThat(where("{field: fields.latency_ms, equals: 1500.0}").test(error)).isTrue();
        assertThat(where("{field: fields.retry, equals: true}").test(error)).isTrue();
        assertThat(where("{field: fields.http.status, equals: 502}").test(error)).as("nested original field").isTrue();
        assertThat(where("{field: service.name, equals: payment}").test(error)).isTrue();
    }

    @Test
    void inRegexContains() {
        assertThat(where("{field: log.level, in: [ERROR, FATAL]}").test(error)).isTrue();
        assertThat(where("{field: log.level, in: [WARN, FATAL]}").test(error)).isFalse();
        assertThat(where("{field: fields.code, in: [500, 503]}").test(error)).isTrue();
        assertThat(where("{field: message, regex: \"timeout to db-\\\\d+\"}").test(error)).as("find, not full match").isTrue();
        assertThat(where("{field: message, regex: \"^timeout\"}").test(error)).isFalse();
        assertThat(where("{field: message, contains: \"timeout\"}").test(error)).isTrue();
        assertThat(where("{field: message, contains: \"Timeout\"}").test(error)).isFalse();
    }

    @Test
    void numericComparisonsParseNumericStrings() {
        assertThat(where("{field: fields.latency_ms, gt: 1000}").test(error)).isTrue();
        assertThat(where("{field: fields.latency_ms, gt: 1500}").test(error)).isFalse();
        assertThat(where("{field: fields.latency_ms, gte: 1500}").test(error)).isTrue();
        assertThat(where("{field: fields.ratio, lt: 0.5}").test(error)).as("numeric string").isTrue();
        assertThat(where("{field: fields.ratio, lte: 0.25}").test(error)).isTrue();
        assertThat(where("{field: fields.ratio, lt: 0.25}").test(error)).isFalse();
        assertThat(where("{field: message, gt: 0}").test(error)).as("not a number").isFalse();
    }

    @Test
    void existsAndMissingFields() {
        assertThat(where("{field: fields.code, exists: true}").test(error)).isTrue();
        assertThat(where("{field: fields.nope, exists: false}").test(error)).isTrue();
        assertThat(where("{field: status, exists: true}").test(error)).isFalse();
        // A missing field fails every test but exists: false; not(...) turns that into "absent or different".
        assertThat(where("{field: fields.nope, equals: x}").test(error)).isFalse();
        assertThat(where("{field: fields.nope, in: [x]}").test(error)).isFalse();
        assertThat(where("{field: fields.nope, regex: \".*\"}").test(error)).isFalse();
        assertThat(where("{field: fields.nope, contains: \"\"}").test(error)).isFalse();
        assertThat(where("{field: fields.nope, lt: 1}").test(error)).isFalse();
        assertThat(where("{not: {field: fields.nope, equals: x}}").test(error)).isTrue();
    }

    @Test
    void allAnyNot() {
        assertThat(where("{all: [{field: log.level, equals: ERROR}, {field: service.name, equals: payment}]}").test(error)).isTrue();
        assertThat(where("{all: [{field: log.level, equals: ERROR}, {field: service.name, equals: cart}]}").test(error)).isFalse();
        assertThat(where("{any: [{field: log.level, equals: WARN}, {field: service.name, equals: payment}]}").test(error)).isTrue();
        assertThat(where("{any: [{field: log.level, equals: WARN}, {field: service.name, equals: cart}]}").test(error)).isFalse();
        assertThat(where("{not: {field: log.level, equals: ERROR}}").test(error)).isFalse();
        assertThat(where("{not: {any: [{field: log.level, equals: INFO}, {not: {field: host.name, equals: node-1}}]}}")
                .test(error)).isTrue();
    }

    @Test
    void conditionsSurviveJavaSerialization() throws Exception {
        Condition c = where("{all: [{field: message, regex: \"db-\\\\d\"}, {field: fields.latency_ms, gte: 1000},"
                + " {not: {field: log.level, in: [INFO]}}, {field: fields.code, exists: true}]}");
        Condition copy = InstantiationUtil.clone(c);
        assertThat(copy).isEqualTo(c);
        assertThat(copy.test(error)).isTrue();
    }
}
