package io.dls.job.patterns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** pattern.schema.json agrees with the loader and accepts every shipped file. */
class PatternSchemaTest {

    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path dir = TestEvents.shippedPatterns();
    private final JsonNode schema;
    private final SchemaSubsetValidator validator;

    PatternSchemaTest() throws Exception {
        schema = new ObjectMapper().readTree(dir.resolve("pattern.schema.json").toFile());
        validator = new SchemaSubsetValidator(schema);
    }

    private static Set<String> names(JsonNode properties) {
        Set<String> names = new TreeSet<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void schemaListsTheKeysTheLoaderAccepts() {
        assertThat(schema.path("$schema").asText()).isEqualTo("http://json-schema.org/draft-07/schema#");
        assertThat(names(schema.path("properties"))).isEqualTo(new TreeSet<>(PatternLoader.TOP_LEVEL_KEYS));
        assertThat(names(schema.at("/definitions/step/properties"))).isEqualTo(new TreeSet<>(PatternLoader.STEP_KEYS));
        assertThat(names(schema.at("/properties/absence/properties"))).isEqualTo(new TreeSet<>(PatternLoader.ABSENCE_KEYS));
        Set<String> operators = new TreeSet<>();
        for (JsonNode ref : schema.at("/definitions/condition/oneOf")) {
            String def = ref.path("$ref").asText().replace("#/definitions/", "");
            operators.addAll(names(schema.at("/definitions/" + def + "/properties")));
        }
        Set<String> expected = new TreeSet<>(Condition.Values.LEAF_OPERATORS);
        expected.addAll(List.of("field", "all", "any", "not"));
        assertThat(operators).isEqualTo(expected);
        assertThat(schema.at("/properties/severity/enum").toString()).isEqualTo("[\"info\",\"warning\",\"critical\"]");
    }

    @Test
    void everyShippedFileValidatesAndPointsAtTheSchema() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(5);
        for (Path f : files) {
            String text = Files.readString(f);
            assertThat(text).as(f.toString()).startsWith("# yaml-language-server: $schema=./pattern.schema.json\n");
            assertThat(validator.validate(YAML.readTree(text))).as(f.toString()).isEmpty();
        }
    }

    @Test
    void schemaRejectsWhatTheLoaderRejects() throws Exception {
        String head = "name: p\nkey: service.name\nseverity: critical\ntopic: critical_logs\n";
        List<String> bad = List.of(
                "name: p\nkey: k\nseverity: urgent\ntopic: t\nsteps: [{where: {field: a, equals: 1}}]\n",
                head + "steps: [{where: {field: a, equals: 1}, then: next}]\n",
                head + "steps: [{where: {field: a, equals: 1}, times: 0}]\n",
                head + "steps: [{where: {field: a, equals: 1}, times: 2, optional: true}]\n",
                head + "steps: [{where: {field: a, equal: 1}}]\n",
                head + "steps: [{where: {field: a, equals: 1, in: [1]}}]\n",
                head + "within: 30 seconds\nsteps: [{where: {field: a, equals: 1}}]\n",
                head + "absence: {after: {field: a, equals: 1}, expect: {field: a, equals: 1}}\n",
                head + "within: 5s\nsteps: [{where: {field: a, equals: 1}}]\nabsence: {after: {field: a, equals: 1}, expect: {field: a, equals: 1}}\n",
                head + "colour: red\nsteps: [{where: {field: a, equals: 1}}]\n",
                head + "labels: {silence_inhibitable: true}\nsteps: [{where: {field: a, equals: 1}}]\n",
                head + "labels: {alertname: x}\nsteps: [{where: {field: a, equals: 1}}]\n",
                head + "labels: {a.b: x}\nsteps: [{where: {field: a, equals: 1}}]\n",
                head + "labels: [a]\nsteps: [{where: {field: a, equals: 1}}]\n",
                head + "runbook_url: wiki/page\nsteps: [{where: {field: a, equals: 1}}]\n",
                head + "within: 5s\nabsence: {after: {field: a, equals: 1}, expect: {field: a, equals: 1}, until: {field: a}}\n",
                "name: Bad\nkey: k\nseverity: info\ntopic: t\nsteps: [{where: {not: {any: []}}}]\n");
        List<String> accepted = new ArrayList<>();
        for (String text : bad) {
            if (validator.validate(YAML.readTree(text)).isEmpty()) {
                accepted.add(text);
            }
            assertThatThrownBy(() -> PatternLoader.parse(text, "bad.yaml")).isInstanceOf(PatternException.class);
        }
        assertThat(accepted).as("bad files the schema accepts").isEmpty();
    }
}
