package io.dls.job.patterns;

import com.fasterxml.jackson.databind.JsonNode;
import io.dls.job.patterns.PatternException.Problem;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * pattern.schema.json, checked with the real validator (the one the loader uses): the jar carries the file of
 * alert-patterns/, every shipped pattern passes it, and the schema and the loader agree on a corpus of files.
 */
class PatternSchemaTest {

    private static final String HEAD = "name: p\nkey: service.name\nseverity: critical\ntopic: critical_logs\n";
    private static final String STEP = "steps: [{where: {field: a, equals: 1}}]\n";

    private final Path dir = TestEvents.shippedPatterns();
    private final JsonNode schema = PatternSchema.get().document();

    private static Set<String> names(JsonNode properties) {
        Set<String> names = new TreeSet<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> values(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** The validator's verdict alone, without the loader's wording or its extra rules. */
    private static boolean schemaAccepts(String yaml) {
        List<Problem> syntax = new ArrayList<>();
        YamlTree.Node root = YamlTree.parse(yaml, "t.yaml", syntax);
        assertThat(syntax).as("test input is YAML").isEmpty();
        return PatternSchema.get().errors(root).isEmpty();
    }

    @Test
    void theJarCarriesTheSchemaOfAlertPatterns() throws Exception {
        try (InputStream in = PatternSchema.class.getResourceAsStream(PatternSchema.RESOURCE)) {
            assertThat(in).as("copied by the build from alert-patterns/").isNotNull();
            assertThat(new String(in.readAllBytes())).isEqualTo(Files.readString(dir.resolve("pattern.schema.json")));
        }
        assertThat(schema.path("$schema").asText()).isEqualTo("http://json-schema.org/draft-07/schema#");
    }

    @Test
    void theSchemaNamesWhatTheJavaSideImplements() {
        Set<String> tests = names(schema.at("/definitions/test/properties"));
        tests.remove("field");
        assertThat(tests).isEqualTo(new TreeSet<>(Condition.Values.LEAF_OPERATORS));
        for (String group : List.of("all", "any", "not")) {
            assertThat(names(schema.at("/definitions/" + group + "/properties"))).containsExactly(group);
        }
        assertThat(values(schema.at("/properties/severity/enum")))
                .containsExactly(Stream.of(PatternSpec.Severity.values()).map(PatternSpec.Severity::value).toArray(String[]::new));
        assertThat(values(schema.at("/properties/time/enum")))
                .containsExactly(Stream.of(PatternSpec.TimeMode.values()).map(PatternSpec.TimeMode::value).toArray(String[]::new));
        assertThat(values(schema.at("/definitions/step/properties/then/enum")))
                .containsExactly(Stream.of(PatternSpec.Then.values()).map(t -> t.value).toArray(String[]::new));
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
            assertThat(schemaAccepts(text)).as(f.toString()).isTrue();
            assertThat(PatternLoader.load(f).name()).isEqualTo(f.getFileName().toString().replace(".yaml", ""));
        }
    }

    @Test
    void goodFilesPassBoth() {
        List<String> good = List.of(
                HEAD + STEP,
                HEAD + "within: 1m\nsuppress: 5m\ntime: event\nmessage: \"{count} from {key}\"\ndescription: d\n"
                        + "labels: {team: payments, _x: \"true\"}\nrunbook_url: https://wiki/x\nsteps:\n"
                        + "  - {name: a_1, where: {field: a, in: [x, 1, true]}, times: 3}\n"
                        + "  - {where: {field: b, regex: \"^x+$\"}, then: next, optional: true}\n"
                        + "  - {where: {all: [{field: c, gte: 1.5}, {not: {field: d, exists: true}}]}, at_least: 2, then: followedBy}\n"
                        + "  - {where: {any: [{field: e, contains: x}, {field: f, lt: -1}, {field: g, lte: 0}, {field: h, gt: 1}]}}\n",
                HEAD + "within: 15s\nabsence:\n  after: {field: a, equals: x}\n  expect: {field: a, equals: y}\n"
                        + "  until: {field: a, equals: z}\n",
                HEAD + "steps: [{where: {field: a, equals: 1}, times: 1}]\n");
        for (String text : good) {
            assertThat(schemaAccepts(text)).as(text).isTrue();
            assertThat(PatternLoader.parse(text, "good.yaml")).as(text).isNotNull();
        }
    }

    /** A bad file and where the loader must point: the line and field of one of its problems. */
    private record Bad(String text, int line, String field) {
    }

    @Test
    void badStructureIsRefusedByBothWithLineAndField() {
        List<Bad> corpus = List.of(
                new Bad("name: p\nkey: k\nseverity: urgent\ntopic: t\n" + STEP, 3, "severity"),
                new Bad(HEAD + "steps: [{where: {field: a, equals: 1}, then: next}]\n", 5, "steps[0].then"),
                new Bad(HEAD + "steps: [{where: {field: a, equals: 1}, times: 0}]\n", 5, "steps[0].times"),
                new Bad(HEAD + "steps: [{where: {field: a, equals: 1}, times: 2, optional: true}]\n", 5, "steps[0].optional"),
                new Bad(HEAD + "steps: [{where: {field: a, equal: 1}}]\n", 5, "steps[0].where.equal"),
                new Bad(HEAD + "steps: [{where: {field: a, equals: 1, in: [1]}}]\n", 5, "steps[0].where.in"),
                new Bad(HEAD + "steps: [{where: {}}]\n", 5, "steps[0].where"),
                new Bad(HEAD + "steps: [{where: {field: \" \", exists: true}}]\n", 5, "steps[0].where.field"),
                new Bad(HEAD + "steps: []\n", 5, "steps"),
                new Bad(HEAD + "steps: [oops]\n", 5, "steps[0]"),
                new Bad(HEAD + "within: 30 seconds\n" + STEP, 5, "within"),
                new Bad(HEAD + "suppress: 0s\n" + STEP, 5, "suppress"),
                new Bad(HEAD + "absence: {after: {field: a, equals: 1}, expect: {field: a, equals: 1}}\n", 1, "within"),
                new Bad(HEAD + "within: 5s\n" + STEP + "absence: {after: {field: a, equals: 1}, expect: {field: a, equals: 1}}\n", 7, "absence"),
                new Bad(HEAD + "within: 5s\nabsence: {after: {field: a, equals: 1}, expect: {field: a, equals: 1}, until: {field: a}}\n",
                        6, "absence.until"),
                new Bad(HEAD + "within: 5s\nabsence: {after: {field: a, equals: 1}}\n", 6, "absence.expect"),
                new Bad(HEAD, 1, null),
                new Bad(HEAD + "colour: red\n" + STEP, 5, "colour"),
                new Bad(HEAD + "labels: {silence_inhibitable: true}\n" + STEP, 5, "labels.silence_inhibitable"),
                new Bad(HEAD + "labels: {alertname: x}\n" + STEP, 5, "labels.alertname"),
                new Bad(HEAD + "labels: {a.b: x}\n" + STEP, 5, "labels.a.b"),
                new Bad(HEAD + "labels: [a]\n" + STEP, 5, "labels"),
                new Bad(HEAD + "runbook_url: wiki/page\n" + STEP, 5, "runbook_url"),
                new Bad("name: Bad\nkey: k\nseverity: info\ntopic: t\n" + STEP, 1, "name"),
                new Bad(HEAD.replace("critical_logs", "\"a b\"") + STEP, 4, "topic"),
                new Bad(HEAD + "steps: [{where: {not: {any: []}}}]\n", 5, "steps[0].where.not.any"),
                new Bad(HEAD + "steps: [{where: {all: [{field: a, gt: ten}]}}]\n", 5, "steps[0].where.all[0].gt"),
                new Bad("- a list\n", 1, null));
        for (Bad bad : corpus) {
            assertThat(schemaAccepts(bad.text())).as("the schema accepts:\n" + bad.text()).isFalse();
            PatternException e = catchThrowableOfType(PatternException.class, () -> PatternLoader.parse(bad.text(), "bad.yaml"));
            assertThat(e).as("the loader accepts:\n" + bad.text()).isNotNull();
            assertThat(e.problems()).as(bad.text()).extracting(Problem::file, Problem::line, Problem::field)
                    .contains(org.assertj.core.groups.Tuple.tuple("bad.yaml", bad.line(), bad.field()));
        }
    }

    /** What only the loader knows: the schema lets these through, on purpose, and the loader stops them. */
    @Test
    void rulesBeyondTheSchemaAreTheLoaders() {
        List<Bad> corpus = List.of(
                new Bad(HEAD + "steps: [{where: {field: a, regex: \"([a-z\"}}]\n", 5, "steps[0].where.regex"),
                new Bad(HEAD + "message: \"{svc}\"\n" + STEP, 5, "message"),
                new Bad(HEAD + "within: 99999999999999999999s\n" + STEP, 5, "within"),
                new Bad(HEAD + "within: 1m\nsteps: [{name: x, where: {field: a, equals: 1}}, {name: x, where: {field: a, equals: 2}}]\n",
                        6, "steps[1].name"),
                new Bad(HEAD + "within: 1m\nsteps: [{where: {field: a, equals: 1}, optional: true}]\n", 6, "steps"),
                new Bad(HEAD + "steps: [{where: {field: a, equals: 1}, at_least: 2}]\n", 1, "within"));
        for (Bad bad : corpus) {
            assertThat(schemaAccepts(bad.text())).as(bad.text()).isTrue();
            PatternException e = catchThrowableOfType(PatternException.class, () -> PatternLoader.parse(bad.text(), "bad.yaml"));
            assertThat(e).as("the loader accepts:\n" + bad.text()).isNotNull();
            assertThat(e.problems()).as(bad.text()).extracting(Problem::line, Problem::field)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(bad.line(), bad.field()));
        }
    }
}
