package io.dls.job.patterns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import com.networknt.schema.path.PathType;
import io.dls.job.patterns.PatternException.Problem;
import io.dls.job.patterns.YamlTree.Node;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code alert-patterns/pattern.schema.json}, the one statement of the pattern files' structure: editors check
 * the files with it (through their {@code $schema} line) and so does the loader, with the copy the build puts
 * in the jar. This class runs the validator and keeps the errors a person should see; {@link SchemaProblems}
 * words them with file, line and field.
 */
final class PatternSchema {

    /** Where the build puts the schema (flink-jobs/pom.xml copies it from alert-patterns/). */
    static final String RESOURCE = "pattern.schema.json";

    /**
     * Keywords whose branches the validator reports beside their own error ("0 are valid", then why each
     * branch failed). The keyword's error is the one that says what is wrong; the branches' are noise.
     */
    private static final Set<String> BRANCHING = Set.of("oneOf", "anyOf", "not", "if");
    /** Keywords that say the value is of the wrong kind: the other rules of that value then say nothing more. */
    private static final Set<String> SHAPE = Set.of("type", "minProperties");

    private static final PatternSchema INSTANCE = load();

    private final JsonNode document;
    private final Schema schema;

    private PatternSchema(JsonNode document) {
        this.document = document;
        this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
                        b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build()))
                .getSchema(document);
    }

    static PatternSchema get() {
        return INSTANCE;
    }

    private static PatternSchema load() {
        try (InputStream in = PatternSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path beside " + PatternSchema.class.getName()
                        + " (the build copies it from alert-patterns/)");
            }
            return new PatternSchema(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** The schema as JSON, for messages that list what it allows. */
    JsonNode document() {
        return document;
    }

    /** The validator's own errors for a tree, unfiltered (tests compare the schema with the loader). */
    List<Error> errors(Node root) {
        return schema.validate(root.toJson());
    }

    /** The structural problems of one file's tree, in the validator's order. */
    List<Problem> problems(Node root, String file) {
        List<Error> errors = errors(root).stream().filter(e -> !insideBranch(e)).toList();
        Set<String> misshapen = new HashSet<>();
        for (Error e : errors) {
            if (SHAPE.contains(e.getKeyword())) {
                misshapen.add(e.getInstanceLocation().toString());
            }
        }
        SchemaProblems words = new SchemaProblems(document, root, file);
        List<Problem> problems = new ArrayList<>();
        for (Error e : errors) {
            if (SHAPE.contains(e.getKeyword()) || !misshapen.contains(e.getInstanceLocation().toString())) {
                problems.add(words.of(e));
            }
        }
        return problems;
    }

    /** True for an error found while trying a branch of oneOf, anyOf, not or if (the keyword itself reports). */
    private static boolean insideBranch(Error e) {
        NodePath path = e.getEvaluationPath();
        int last = path.getNameCount() - 1;
        for (int i = 0; i < last; i++) {
            String name = path.getName(i);
            if (name.equals("properties")) {
                i++; // a property's name, such as the condition key "not", is not a keyword
            } else if (BRANCHING.contains(name)) {
                return true;
            }
        }
        return false;
    }
}
