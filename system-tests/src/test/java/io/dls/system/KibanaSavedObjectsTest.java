package io.dls.system;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * kibana/saved-objects.ndjson against Kibana's import format and against what the job writes. Kibana cannot
 * run here (FACTS.md), and a dashboard naming a field the job never writes imports fine and just shows
 * nothing, so the fields are checked against the index templates the job installs, and the values a
 * query filters on against the patterns and levels the job knows.
 */
class KibanaSavedObjectsTest {
    private static final Path NDJSON = Path.of("..", "kibana", "saved-objects.ndjson");
    private static final Path TEMPLATES = Path.of("..", "flink-jobs", "src", "main", "resources", "elasticsearch");
    private static final Path PATTERNS = Path.of("..", "alert-patterns");
    private static final Path JOB_SOURCES = Path.of("..", "flink-jobs", "src", "main", "java", "io", "dls", "job");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TYPES = Set.of("index-pattern", "visualization", "search", "dashboard");
    /** Types Elasticsearch can aggregate and sort on with doc values; text cannot (no fielddata). */
    private static final Set<String> AGGREGATABLE = Set.of("keyword", "date", "date_nanos", "long", "integer",
            "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long");

    private static List<JsonNode> objects;
    private static Map<String, JsonNode> byId;

    @BeforeAll
    static void load() throws IOException {
        objects = new ArrayList<>();
        List<String> lines = Files.readAllLines(NDJSON);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue; // Kibana's import skips blank lines too
            }
            try {
                objects.add(JSON.readTree(lines.get(i)));
            } catch (JsonProcessingException bad) {
                throw new AssertionError(NDJSON + " line " + (i + 1) + " is not JSON: " + bad.getOriginalMessage(),
                        bad);
            }
        }
        byId = new HashMap<>();
        objects.forEach(o -> byId.put(o.path("id").asText(), o));
    }

    @Test
    void everyLineIsAnImportableObjectWithParsableEmbeddedJson() {
        assertThat(objects).isNotEmpty();
        for (JsonNode o : objects) {
            String id = o.path("id").asText();
            assertThat(id).as("id of %s", o).isNotBlank();
            assertThat(TYPES).as("type of %s", id).contains(o.path("type").asText());
            assertThat(o.path("attributes").path("title").asText()).as("title of %s", id).isNotBlank();
            assertThat(o.path("references").isArray()).as("references of %s", id).isTrue();
            // Kibana migrates an object from the version it names; without one it assumes the oldest shape.
            assertThat(o.path("migrationVersion").path(o.path("type").asText()).asText())
                    .as("migrationVersion of %s", id).matches("7\\.\\d+\\.\\d+");
            // Kibana stores these as strings and parses them when it loads the object: a bad one breaks the panel.
            for (Map.Entry<String, String> e : embeddedJson(o).entrySet()) {
                try {
                    JSON.readTree(e.getValue());
                } catch (JsonProcessingException bad) {
                    throw new AssertionError(id + "." + e.getKey() + " is not JSON: " + bad.getOriginalMessage(), bad);
                }
            }
        }
        assertThat(ofType("visualization"))
                .allSatisfy(o -> assertThat(embeddedJson(o)).containsKeys("visState", "searchSourceJSON"));
        assertThat(ofType("search")).allSatisfy(o -> assertThat(embeddedJson(o)).containsKey("searchSourceJSON"));
        assertThat(ofType("dashboard"))
                .allSatisfy(o -> assertThat(embeddedJson(o)).containsKeys("panelsJSON", "optionsJSON"));
    }

    @Test
    void idsAreUnique() {
        assertThat(objects.stream().map(o -> o.path("id").asText())).doesNotHaveDuplicates();
    }

    @Test
    void everyReferenceResolvesToAnObjectOfItsType() throws IOException {
        for (JsonNode o : objects) {
            List<String> names = new ArrayList<>();
            for (JsonNode ref : o.path("references")) {
                JsonNode target = byId.get(ref.path("id").asText());
                assertThat(target).as("%s: reference %s", o.path("id").asText(), ref).isNotNull();
                assertThat(target.path("type").asText()).as("%s: type of reference %s", o.path("id").asText(), ref)
                        .isEqualTo(ref.path("type").asText());
                names.add(ref.path("name").asText());
            }
            assertThat(names).as("reference names of %s", o.path("id").asText()).doesNotHaveDuplicates();
            // The other direction: a name the object uses that no reference carries is a broken panel or source.
            for (String used : usedRefNames(o)) {
                assertThat(names).as("%s uses reference %s", o.path("id").asText(), used).contains(used);
            }
        }
    }

    @Test
    void searchSourcesPointAtIndexPatternsAndPanelsAtVisualizationsOrSearches() throws IOException {
        for (JsonNode o : objects) {
            String type = o.path("type").asText();
            if (type.equals("visualization") || type.equals("search")) {
                assertThat(indexPatternOf(o).path("type").asText()).as("index of %s", o.path("id").asText())
                        .isEqualTo("index-pattern");
            }
            if (type.equals("dashboard")) {
                List<String> panelIndexes = new ArrayList<>();
                for (JsonNode panel : panels(o)) {
                    JsonNode ref = reference(o, panel.path("panelRefName").asText());
                    assertThat(ref.path("type").asText()).as("panel %s", panel).isIn("visualization", "search");
                    assertThat(panel.path("type").asText()).as("panel %s", panel).isEqualTo(ref.path("type").asText());
                    assertThat(panel.path("gridData").path("i").asText()).as("panel %s", panel)
                            .isEqualTo(panel.path("panelIndex").asText());
                    panelIndexes.add(panel.path("panelIndex").asText());
                }
                assertThat(panelIndexes).as("panel indexes of %s", o.path("id").asText()).doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void theDashboardShowsEveryVisualizationAndSearch() throws IOException {
        List<JsonNode> dashboards = ofType("dashboard");
        assertThat(dashboards).hasSize(1);
        JsonNode dashboard = dashboards.get(0);
        Set<String> shown = new HashSet<>();
        for (JsonNode panel : panels(dashboard)) {
            shown.add(reference(dashboard, panel.path("panelRefName").asText()).path("id").asText());
        }
        Set<String> panelObjects = new TreeSet<>();
        Stream.concat(ofType("visualization").stream(), ofType("search").stream())
                .forEach(o -> panelObjects.add(o.path("id").asText()));
        assertThat(panelObjects).isNotEmpty();
        assertThat(shown).as("objects on dashboard %s", dashboard.path("id").asText()).containsAll(panelObjects);
    }

    @Test
    void indexPatternsCoverTheJobsTemplatesWithTheirTimeField() throws IOException {
        Set<String> titles = new TreeSet<>();
        for (JsonNode p : ofType("index-pattern")) {
            Map<String, String> fields = templateFor(p.path("attributes").path("title").asText());
            titles.add(p.path("attributes").path("title").asText());
            String timeField = p.path("attributes").path("timeFieldName").asText();
            assertThat(typeOf(fields, timeField)).as("time field %s of %s", timeField, p.path("id").asText())
                    .isIn("date", "date_nanos");
        }
        // Every index the job writes to is visible in Kibana.
        Set<String> templated = new TreeSet<>();
        for (Path t : templateFiles()) {
            JSON.readTree(t.toFile()).path("index_patterns").forEach(n -> templated.add(n.asText()));
        }
        assertThat(titles).isEqualTo(templated);
    }

    @Test
    void everyFieldShownQueriedOrAggregatedIsOneTheJobWrites() throws IOException {
        int checked = 0;
        for (JsonNode o : objects) {
            String type = o.path("type").asText();
            if (!type.equals("visualization") && !type.equals("search")) {
                continue;
            }
            String id = o.path("id").asText();
            String title = indexPatternOf(o).path("attributes").path("title").asText();
            Map<String, String> fields = templateFor(title);
            JsonNode source = searchSource(o);

            Set<String> named = new TreeSet<>(kqlFields(source.path("query").path("query").asText()));
            named.addAll(filterFields(source.path("filter")));
            o.path("attributes").path("columns").forEach(c -> named.add(c.asText()));
            Set<String> aggregated = new TreeSet<>();
            o.path("attributes").path("sort").forEach(s -> aggregated.add(s.path(0).asText()));
            if (type.equals("visualization")) {
                for (JsonNode agg : JSON.readTree(o.path("attributes").path("visState").asText()).path("aggs")) {
                    if (agg.path("params").hasNonNull("field")) {
                        aggregated.add(agg.path("params").path("field").asText());
                    }
                }
            }
            for (String f : named) {
                assertThat(typeOf(fields, f)).as("%s names %s, not in the %s template", id, f, title).isNotNull();
            }
            for (String f : aggregated) {
                assertThat(typeOf(fields, f)).as("%s aggregates or sorts on %s (%s)", id, f, title).isIn(AGGREGATABLE);
            }
            checked += named.size() + aggregated.size();
        }
        assertThat(checked).as("fields checked").isPositive();
    }

    @Test
    void queriedValuesAreOnesTheJobWrites() throws IOException {
        // A query on a pattern name or level the job never writes matches nothing, silently.
        Map<String, Set<String>> known = Map.of("rule.name", ruleNames(), "log.level", levels());
        int checked = 0;
        for (JsonNode o : objects) {
            JsonNode source = searchSource(o);
            Map<String, Set<String>> values = kqlValues(source.path("query").path("query").asText());
            for (Map.Entry<String, Set<String>> e : values.entrySet()) {
                if (known.containsKey(e.getKey())) {
                    assertThat(known.get(e.getKey())).as("%s queries %s", o.path("id").asText(), e.getKey())
                            .containsAll(e.getValue());
                    checked++;
                }
            }
        }
        assertThat(checked).as("queries checked").isPositive();
    }

    // ---- saved objects

    private static List<JsonNode> ofType(String type) {
        return objects.stream().filter(o -> o.path("type").asText().equals(type)).toList();
    }

    /** The attributes Kibana keeps as JSON strings, by name. */
    private static Map<String, String> embeddedJson(JsonNode o) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode a = o.path("attributes");
        for (String name : List.of("visState", "uiStateJSON", "panelsJSON", "optionsJSON",
                "fields", "fieldAttrs", "fieldFormatMap", "runtimeFieldMap", "typeMeta")) {
            if (a.has(name)) {
                assertThat(a.get(name).isTextual()).as("%s.%s is a string", o.path("id").asText(), name).isTrue();
                out.put(name, a.get(name).asText());
            }
        }
        JsonNode ss = a.path("kibanaSavedObjectMeta").path("searchSourceJSON");
        if (!ss.isMissingNode()) {
            assertThat(ss.isTextual()).as("%s searchSourceJSON is a string", o.path("id").asText()).isTrue();
            out.put("searchSourceJSON", ss.asText());
        }
        return out;
    }

    /** The parsed kibanaSavedObjectMeta.searchSourceJSON, empty for objects without one (index patterns). */
    private static JsonNode searchSource(JsonNode o) throws IOException {
        return JSON.readTree(o.path("attributes").path("kibanaSavedObjectMeta").path("searchSourceJSON").asText("{}"));
    }

    private static List<String> usedRefNames(JsonNode o) throws IOException {
        List<String> used = new ArrayList<>();
        JsonNode source = searchSource(o);
        if (source.hasNonNull("indexRefName")) {
            used.add(source.get("indexRefName").asText());
        }
        if (o.path("attributes").hasNonNull("savedSearchRefName")) {
            used.add(o.path("attributes").get("savedSearchRefName").asText());
        }
        if (o.path("type").asText().equals("dashboard")) {
            for (JsonNode panel : panels(o)) {
                assertThat(panel.path("panelRefName").asText()).as("panel %s", panel).isNotBlank();
                used.add(panel.path("panelRefName").asText());
            }
        }
        return used;
    }

    private static JsonNode panels(JsonNode dashboard) throws IOException {
        JsonNode panels = JSON.readTree(dashboard.path("attributes").path("panelsJSON").asText());
        assertThat(panels.isArray() && !panels.isEmpty()).as("panels of %s", dashboard.path("id").asText()).isTrue();
        return panels;
    }

    private static JsonNode reference(JsonNode o, String name) {
        for (JsonNode ref : o.path("references")) {
            if (ref.path("name").asText().equals(name)) {
                return ref;
            }
        }
        throw new AssertionError(o.path("id").asText() + " has no reference named '" + name + "'");
    }

    /** The index pattern a visualization's or search's searchSourceJSON points at through indexRefName. */
    private static JsonNode indexPatternOf(JsonNode o) throws IOException {
        JsonNode source = searchSource(o);
        assertThat(source.hasNonNull("indexRefName")).as("indexRefName of %s", o.path("id").asText()).isTrue();
        JsonNode target = byId.get(reference(o, source.get("indexRefName").asText()).path("id").asText());
        assertThat(target).as("index pattern of %s", o.path("id").asText()).isNotNull();
        return target;
    }

    // ---- queries and filters

    /** Field names in a KQL query ("field : value"), after dropping quoted values that may contain colons. */
    private static Set<String> kqlFields(String kql) {
        return kqlValues(kql).keySet();
    }

    private static final Pattern KQL_CLAUSE =
            Pattern.compile("([@\\w][\\w.@]*)\\s*:\\s*(\\([^)]*\\)|\"(?:[^\"\\\\]|\\\\.)*\"|[^\\s()]+)");
    private static final Pattern KQL_VALUE = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"|([^\\s()\"]+)");
    private static final Pattern KQL_QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    /** Field to the literal values a KQL query compares it with ("or"/"and"/"not" are operators, not values). */
    private static Map<String, Set<String>> kqlValues(String kql) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        // Hide colons inside quoted values so "a: b" is never read as a field.
        String masked = KQL_QUOTED.matcher(kql)
                .replaceAll(q -> Matcher.quoteReplacement(q.group().replace(":", "\u0000")));
        Matcher m = KQL_CLAUSE.matcher(masked);
        while (m.find()) {
            Set<String> values = out.computeIfAbsent(m.group(1), k -> new TreeSet<>());
            Matcher v = KQL_VALUE.matcher(m.group(2).replace("\u0000", ":"));
            while (v.find()) {
                String value = v.group(1) != null ? v.group(1) : v.group(2);
                if (!Set.of("or", "and", "not").contains(value.toLowerCase())) {
                    values.add(value);
                }
            }
        }
        return out;
    }

    /** Fields a filter pill names: its meta.key and the field keys of the query clauses inside it. */
    private static Set<String> filterFields(JsonNode filters) {
        Set<String> out = new TreeSet<>();
        for (JsonNode f : filters) {
            if (f.path("meta").hasNonNull("key")) {
                out.add(f.path("meta").get("key").asText());
            }
            collectClauseFields(f.path("query"), out);
        }
        return out;
    }

    /** Walks bool / should / must ... down to the leaf clauses, whose keys are field names. */
    private static void collectClauseFields(JsonNode node, Set<String> out) {
        if (node.isArray()) {
            node.forEach(child -> collectClauseFields(child, out));
            return;
        }
        node.fields().forEachRemaining(e -> {
            if (Set.of("match_phrase", "match", "term", "terms", "range", "wildcard", "prefix").contains(e.getKey())) {
                e.getValue().fieldNames().forEachRemaining(out::add);
            } else if (e.getKey().equals("exists")) {
                out.add(e.getValue().path("field").asText());
            } else {
                collectClauseFields(e.getValue(), out);
            }
        });
    }

    // ---- what the job writes

    private static List<Path> templateFiles() throws IOException {
        try (Stream<Path> s = Files.list(TEMPLATES)) {
            return s.filter(p -> p.getFileName().toString().endsWith("-template.json")).sorted().toList();
        }
    }

    /** Field path to mapping type of the template whose index_patterns contain this index pattern's title. */
    private static Map<String, String> templateFor(String title) throws IOException {
        for (Path t : templateFiles()) {
            JsonNode template = JSON.readTree(t.toFile());
            for (JsonNode p : template.path("index_patterns")) {
                if (p.asText().equals(title)) {
                    JsonNode mappings = template.path("template").path("mappings");
                    Map<String, String> fields = new LinkedHashMap<>();
                    flatten("", mappings.path("properties"), fields);
                    // Dynamic templates, keyed by their path_match glob ("fields.*" -> keyword).
                    for (JsonNode dt : mappings.path("dynamic_templates")) {
                        JsonNode spec = dt.elements().next();
                        if (spec.hasNonNull("path_match") && spec.path("mapping").hasNonNull("type")) {
                            fields.putIfAbsent("glob:" + spec.get("path_match").asText(),
                                    spec.path("mapping").get("type").asText());
                        }
                    }
                    return fields;
                }
            }
        }
        throw new AssertionError("no index template in " + TEMPLATES + " has index_patterns " + title);
    }

    private static void flatten(String prefix, JsonNode properties, Map<String, String> out) {
        properties.fields().forEachRemaining(e -> {
            String path = prefix + e.getKey();
            JsonNode def = e.getValue();
            if (def.has("properties")) {
                out.put(path, "object");
                flatten(path + ".", def.get("properties"), out);
            } else {
                out.put(path, def.path("type").asText("object"));
            }
        });
    }

    /** The mapped type of a field path: explicit properties first, then a dynamic template whose glob matches. */
    private static String typeOf(Map<String, String> fields, String path) {
        if (fields.containsKey(path)) {
            return fields.get(path);
        }
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (e.getKey().startsWith("glob:") && globMatches(e.getKey().substring(5), path)
                    && !hasExplicitAncestorLeaf(fields, path)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** A path under a leaf field (say message.x under text message) cannot exist, whatever the globs say. */
    private static boolean hasExplicitAncestorLeaf(Map<String, String> fields, String path) {
        for (int dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
            String type = fields.get(path.substring(0, dot));
            if (type != null && !type.equals("object")) {
                return true;
            }
        }
        return false;
    }

    private static boolean globMatches(String glob, String path) {
        return path.matches(Pattern.quote(glob).replace("*", "\\E.*\\Q"));
    }

    /** Alert pattern names (rule.name) from alert-patterns/*.yaml, plus the recovery notice the job raises itself. */
    private static Set<String> ruleNames() throws IOException {
        Set<String> names = new TreeSet<>();
        YAMLMapper yaml = new YAMLMapper();
        try (Stream<Path> s = Files.list(PATTERNS)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                names.add(yaml.readTree(p.toFile()).path("name").asText());
            }
        }
        names.add(constant(JOB_SOURCES.resolve("route/NodeHealthFunction.java"), "String PATTERN = \"([^\"]+)\""));
        return names;
    }

    /** log.level values: the job's LEVELS, and UNKNOWN for records without a recognizable level (contract 2). */
    private static Set<String> levels() throws IOException {
        Set<String> levels = new TreeSet<>(List.of("UNKNOWN"));
        Matcher m = Pattern.compile("\"([A-Z]+)\"").matcher(
                constant(JOB_SOURCES.resolve("route/Topics.java"), "LEVELS = [\\w.]*List\\.of\\(([^)]*)\\)"));
        while (m.find()) {
            levels.add(m.group(1));
        }
        assertThat(levels).as("levels").hasSizeGreaterThan(1);
        return levels;
    }

    /** Group 1 of a regex over a job source file: the dashboard's literals follow the job's constants. */
    private static String constant(Path source, String regex) throws IOException {
        Matcher m = Pattern.compile(regex).matcher(Files.readString(source));
        assertThat(m.find()).as("%s in %s", regex, source).isTrue();
        return m.group(1);
    }
}
