package io.dls.job.patterns;

import io.dls.job.patterns.PatternException.Problem;
import io.dls.job.patterns.PatternSpec.Quantifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PatternLoaderTest {

    @TempDir
    Path dir;

    private static final String HEAD = """
            name: burst
            key: service.name
            severity: critical
            topic: critical_logs
            """;

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private PatternException fails(String name, String text) throws Exception {
        Path f = write(name, text);
        return catchThrowableOfType(PatternException.class, () -> PatternLoader.load(f));
    }

    @Test
    void shippedPatternsLoad() {
        List<PatternSpec> specs = PatternLoader.loadDirectory(TestEvents.shippedPatterns());
        assertThat(specs).extracting(PatternSpec::name).containsExactly(
                "error-burst", "fatal", "heartbeat-timeout", "node-down", "payment-retry-then-failure");

        PatternSpec burst = specs.get(0);
        assertThat(burst.key()).isEqualTo("service.name");
        assertThat(burst.within()).isEqualTo(Duration.ofSeconds(30));
        assertThat(burst.suppress()).isEqualTo(Duration.ofMinutes(1));
        assertThat(burst.time()).isEqualTo(PatternSpec.TimeMode.PROCESSING);
        assertThat(burst.steps()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("errors");
            assertThat(s.quantifier()).isEqualTo(new Quantifier(Quantifier.Kind.TIMES, 5));
            assertThat(s.then()).isNull();
        });
        assertThat(burst.isBurst()).isTrue();

        PatternSpec heartbeat = specs.get(2);
        assertThat(heartbeat.isAbsence()).isTrue();
        assertThat(heartbeat.key()).isEqualTo("host.name");
        assertThat(heartbeat.topic()).isEqualTo("node_failure");
        assertThat(heartbeat.within()).isEqualTo(Duration.ofSeconds(15));

        PatternSpec sequence = specs.get(4);
        assertThat(sequence.steps()).extracting(PatternSpec.Step::then).containsExactly(null, PatternSpec.Then.FOLLOWED_BY);
    }

    @Test
    void defaultsForOptionalFields() throws Exception {
        PatternSpec s = PatternLoader.load(write("p.yaml", HEAD + """
                steps:
                  - where: {field: log.level, equals: FATAL}
                  - where: {field: log.level, equals: INFO}
                    optional: true
                  - where: {field: log.level, equals: ERROR}
                    then: next
                    at_least: 2
                within: 500ms
                """));
        assertThat(s.time()).isEqualTo(PatternSpec.TimeMode.PROCESSING);
        assertThat(s.suppress()).isNull();
        assertThat(s.message()).isEqualTo(PatternLoader.DEFAULT_SEQUENCE_MESSAGE);
        assertThat(s.within()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.steps()).extracting(PatternSpec.Step::name).containsExactly("step-1", "step-2", "step-3");
        assertThat(s.steps()).extracting(PatternSpec.Step::quantifier)
                .containsExactly(Quantifier.ONCE, Quantifier.OPTIONAL, new Quantifier(Quantifier.Kind.AT_LEAST, 2));
        assertThat(s.steps()).extracting(PatternSpec.Step::then)
                .containsExactly(null, PatternSpec.Then.FOLLOWED_BY, PatternSpec.Then.NEXT);
    }

    @Test
    void labelsDescriptionAndRunbookForTheNotifier() throws Exception {
        PatternSpec s = PatternLoader.load(write("p.yaml", HEAD + """
                description: five errors
                runbook_url: https://wiki.example.com/runbooks/burst
                labels:
                  team: payments
                  silence_inhibitable: "true"
                within: 30s
                suppress: 2m
                steps:
                  - where: {field: log.level, equals: ERROR}
                    times: 5
                """));
        assertThat(s.labels()).containsExactly(java.util.Map.entry("team", "payments"),
                java.util.Map.entry("silence_inhibitable", "true"));
        assertThat(s.description()).isEqualTo("five errors");
        assertThat(s.runbookUrl()).isEqualTo("https://wiki.example.com/runbooks/burst");
        assertThat(s.resolveAfter()).isEqualTo(Duration.ofMinutes(2));

        PatternSpec heartbeat = PatternLoader.load(TestEvents.shippedPatterns().resolve("heartbeat-timeout.yaml"));
        assertThat(heartbeat.labels()).containsEntry("silence_inhibitable", "true");
        assertThat(heartbeat.absence().until()).isNotNull();
        assertThat(heartbeat.resolveAfter()).as("absence resolves on the recovery notice").isNull();
        PatternSpec burst = PatternLoader.load(TestEvents.shippedPatterns().resolve("error-burst.yaml"));
        assertThat(burst.labels()).isEmpty();
        assertThat(burst.resolveAfter()).isEqualTo(Duration.ofMinutes(1));
        PatternSpec noSuppress = PatternLoader.parse(HEAD + "within: 30s\nsteps: [{where: {field: a, equals: 1}, times: 2}]\n", "w.yaml");
        assertThat(noSuppress.resolveAfter()).as("the window without suppression").isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void badLabelsAndRunbookNameFileLineAndField() throws Exception {
        PatternException e = fails("p.yaml", HEAD + """
                runbook_url: wiki/burst
                labels:
                  silence_inhibitable: true
                  alertname: other
                  a.b: x
                steps:
                  - where: {field: log.level, equals: FATAL}
                """);
        String f = dir.resolve("p.yaml").toString();
        assertThat(e.problems()).extracting(Problem::file, Problem::line, Problem::field).containsExactly(
                tuple(f, 5, "runbook_url"),
                tuple(f, 7, "labels.silence_inhibitable"),
                tuple(f, 8, "labels.alertname"),
                tuple(f, 9, "labels.a.b"));
        assertThat(e.problems().get(1).message()).contains("quote it");
        assertThat(fails("q.yaml", HEAD + "labels: [a]\nsteps: [{where: {field: a, equals: 1}}]\n").field())
                .isEqualTo("labels");
    }

    @Test
    void badQuantifierNamesFileLineAndField() throws Exception {
        PatternException e = fails("error-burst.yaml", HEAD + """
                within: 30s
                steps:
                  - name: errors
                    where: {field: log.level, in: [ERROR, FATAL]}
                    times: -1
                """);
        assertThat(e.file()).isEqualTo(dir.resolve("error-burst.yaml").toString());
        assertThat(e.line()).isEqualTo(9);
        assertThat(e.field()).isEqualTo("steps[0].times");
        assertThat(e.getMessage()).isEqualTo(dir.resolve("error-burst.yaml")
                + ":9: field 'steps[0].times': must be a positive integer, was -1");
    }

    @Test
    void collectsEveryProblemOfAFileInLineOrder() throws Exception {
        PatternException e = fails("many.yaml", """
                # a comment line first
                name: Bad_Name
                key: ""
                severity: urgent
                topic: "critical logs"
                within: 30 seconds
                suppres: 1m
                time: wallclock
                message: "{count} from {svc}"
                steps:
                  - where: {field: message, regex: "([a-z"}
                    then: next
                  - where: {field: log.level, equal: ERROR}
                    times: 2
                    optional: true
                """);
        assertThat(e.problems()).extracting(Problem::line, Problem::field).containsExactly(
                tuple(2, "name"),
                tuple(3, "key"),
                tuple(4, "severity"),
                tuple(5, "topic"),
                tuple(6, "within"),
                tuple(7, "suppres"),
                tuple(8, "time"),
                tuple(9, "message"),
                tuple(11, "steps[0].where.regex"),
                tuple(12, "steps[0].then"),
                tuple(13, "steps[1].where.equal"),
                tuple(13, "steps[1].where"),
                tuple(15, "steps[1].optional"));
        assertThat(e.getMessage().lines()).hasSize(13).allSatisfy(l -> assertThat(l).startsWith(dir.resolve("many.yaml") + ":"));
        assertThat(e.getMessage())
                .contains("field 'suppres': unknown key; known keys here: name, description, key, severity, topic, within, suppress,")
                .contains("field 'severity': must be one of info, warning, critical, was \"urgent\"")
                .contains("field 'within': must be a positive duration such as 500ms, 30s, 5m or 1h, was \"30 seconds\"")
                .contains("field 'message': unknown placeholder {svc}")
                .contains("field 'steps[0].where.regex': not a valid regular expression")
                .contains("field 'steps[0].then': not allowed on the first step")
                .contains("field 'steps[1].optional': a step has at most one of times, at_least, optional")
                .contains("field 'key': must name the field to key by");
    }

    @Test
    void requiredFieldsAndStepsOrAbsence() throws Exception {
        PatternException missing = fails("missing.yaml", "description: nothing else\n");
        assertThat(missing.problems()).extracting(Problem::field)
                .containsExactly("name", "key", "severity", "topic", null);
        assertThat(missing.problems().get(4).message())
                .isEqualTo("a pattern has exactly one of 'steps' (a sequence) or 'absence' (silence after an event); found none");
        assertThat(missing.line()).isEqualTo(1);

        PatternException both = fails("both.yaml", HEAD + """
                within: 15s
                steps: [{where: {field: log.level, equals: FATAL}}]
                absence: {after: {field: event.type, equals: HEARTBEAT}, expect: {field: event.type, equals: HEARTBEAT}}
                """);
        assertThat(both.problems()).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("absence");
            assertThat(p.line()).isEqualTo(7);
            assertThat(p.message()).endsWith("exactly one of 'steps' (a sequence) or 'absence' (silence after an event); "
                    + "found steps and absence");
        });

        PatternException noWindow = fails("nowindow.yaml", HEAD + """
                absence:
                  after: {field: event.type, equals: HEARTBEAT}
                """);
        assertThat(noWindow.problems()).extracting(Problem::line, Problem::field)
                .containsExactly(tuple(1, "within"), tuple(5, "absence.expect"));

        PatternException burstNoWindow = fails("burst.yaml", HEAD + "steps: [{where: {field: log.level, equals: ERROR}, times: 5}]\n");
        assertThat(burstNoWindow.field()).isEqualTo("within");
        assertThat(burstNoWindow.getMessage()).contains("required when a pattern matches more than one event");
    }

    @Test
    void conditionShapes() throws Exception {
        PatternException e = fails("cond.yaml", HEAD + """
                within: 1m
                steps:
                  - where: {field: a, equals: 1, in: [1]}
                  - where: {all: [], field: a}
                  - where: {any: []}
                  - where: {field: a, in: []}
                  - where: {field: a, gt: "ten"}
                  - where: {field: a, exists: yes please}
                  - where: {equals: 1}
                  - where: [a, b]
                  - where: {field: a, equals: }
                """);
        assertThat(e.problems()).extracting(Problem::line, Problem::field).containsExactly(
                tuple(7, "steps[0].where.in"),
                tuple(8, "steps[1].where.all"),
                tuple(8, "steps[1].where"),
                tuple(9, "steps[2].where.any"),
                tuple(10, "steps[3].where.in"),
                tuple(11, "steps[4].where.gt"),
                tuple(12, "steps[5].where.exists"),
                tuple(13, "steps[6].where.field"),
                tuple(14, "steps[7].where"),
                tuple(15, "steps[8].where.equals"));
        assertThat(e.problems().get(0).message()).contains("exactly one test beside 'field'").endsWith("; found equals and in");
        assertThat(e.problems().get(1).message()).isEqualTo("must be a non-empty list of conditions, was an empty list");
        assertThat(e.problems().get(2).message()).isEqualTo("'all' stands alone in its condition: put the other tests "
                + "inside its list; found all, field");
        assertThat(e.problems().get(8).message()).isEqualTo("must be a condition such as {field: log.level, equals: ERROR}, "
                + "{all: [..]}, {any: [..]} or {not: {..}}, was a list");
        assertThat(e.problems().get(9).message()).contains("use exists: false").endsWith(", was empty");
    }

    @Test
    void stepNamesAndKinds() throws Exception {
        PatternException e = fails("steps.yaml", HEAD + """
                within: 1m
                steps:
                  - name: same
                    where: {field: a, equals: 1}
                    optional: true
                  - name: same
                    where: {field: a, equals: 2}
                    then: afterwards
                    at_least: 1.5
                  - name: "bad name"
                """);
        assertThat(e.problems()).extracting(Problem::line, Problem::field).containsExactly(
                tuple(10, "steps[1].name"),
                tuple(12, "steps[1].then"),
                tuple(13, "steps[1].at_least"),
                tuple(14, "steps[2].name"),
                tuple(14, "steps[2].where"));
        assertThat(e.problems().get(0).message()).isEqualTo("step name 'same' is already used by steps[0]");
        assertThat(e.problems().get(2).message()).isEqualTo("must be a positive integer, was 1.5");
    }

    @Test
    void yamlSyntaxEmptyFileAndDuplicateKeys() throws Exception {
        PatternException syntax = fails("syntax.yaml", HEAD + "steps:\n  - where: {field: a, equals: 1\n");
        assertThat(syntax.line()).isGreaterThanOrEqualTo(6);
        assertThat(syntax.getMessage()).startsWith(dir.resolve("syntax.yaml") + ":").contains("not valid YAML");

        PatternException empty = fails("empty.yaml", "# nothing here\n");
        assertThat(empty.getMessage()).isEqualTo(dir.resolve("empty.yaml") + ": the file is empty");

        PatternException dup = fails("dup.yaml", HEAD + "key: host.name\nsteps: [{where: {field: a, equals: 1}}]\n");
        assertThat(dup.problems()).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(5);
            assertThat(p.field()).isEqualTo("key");
            assertThat(p.message()).isEqualTo("duplicate key (first at line 2)");
        });

        PatternException list = fails("list.yaml", "- name: a\n");
        assertThat(list.getMessage()).contains("a pattern file must be a mapping");
    }

    @Test
    void directoryChecksNamesAcrossFilesAndReportsEveryFile() throws Exception {
        write("a.yaml", HEAD + "steps: [{where: {field: log.level, equals: FATAL}}]\n");
        write("b.yaml", HEAD + "steps: [{where: {field: log.level, equals: ERROR}}]\n");
        write("c.yaml", HEAD.replace("burst", "other") + "steps: [{where: {field: log.level, equals: ERROR}, times: 0}]\n");
        write("notes.txt", "not a pattern");
        PatternException e = catchThrowableOfType(PatternException.class, () -> PatternLoader.loadDirectory(dir));
        assertThat(e.problems()).extracting(Problem::toString).containsExactly(
                dir.resolve("b.yaml") + ":1: field 'name': duplicate pattern name 'burst' (also in "
                        + dir.resolve("a.yaml") + ":1); names must be unique, they are the operators' uids",
                dir.resolve("c.yaml") + ":5: field 'steps[0].times': must be a positive integer, was 0");
    }

    @Test
    void missingDirectoryOrFile() {
        assertThatThrownBy(() -> PatternLoader.loadDirectory(dir.resolve("nope")))
                .isInstanceOf(PatternException.class).hasMessageContaining("cannot list the directory");
        assertThatThrownBy(() -> PatternLoader.load(dir.resolve("nope.yaml")))
                .isInstanceOf(PatternException.class).hasMessageContaining("cannot read the file");
    }

    @Test
    void durations() {
        assertThat(PatternLoader.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(PatternLoader.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(PatternLoader.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(PatternLoader.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(PatternLoader.parseDuration("1.5s")).isNull();
        assertThat(PatternLoader.parseDuration("10")).isNull();
        assertThat(PatternLoader.parseDuration("99999999999999999999s")).isNull();
        assertThat(PatternLoader.parseDuration("9999999999999999h")).isNull();
    }
}
