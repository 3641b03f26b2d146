package io.dls.job.patterns;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.path.NodePath;
import io.dls.job.patterns.PatternException.Problem;
import io.dls.job.patterns.YamlTree.Node;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Words a schema validator error the way the loader always has: the file, the line of the value (from
 * {@link YamlTree}), the field path ({@code steps[0].where.in}) and a sentence for a person. The sentence is the
 * schema object's {@code errorMessage} when it has one (editors show the same text), else one made from the
 * failed keyword; the validator's own text ("must be valid to one and only one schema, but 0 are valid") is
 * only the last resort.
 */
final class SchemaProblems {

    private final JsonNode schema;
    private final Node root;
    private final String file;

    SchemaProblems(JsonNode schema, Node root, String file) {
        this.schema = schema;
        this.root = root;
        this.file = file;
    }

    Problem of(Error e) {
        List<Object> at = steps(e.getInstanceLocation());
        Node node = node(at);
        JsonNode owner = owner(e);
        String custom = owner.path("errorMessage").isTextual() ? owner.path("errorMessage").asText() : null;
        String property = e.getProperty();
        switch (e.getKeyword()) {
            case "required":
                return problem(node, field(at, property), custom != null ? custom : required(owner.path("properties").path(property)));
            case "additionalProperties":
                return problem(node.child(property), field(at, property),
                        "unknown key; known keys here: " + String.join(", ", keys(owner.path("properties"))));
            case "propertyNames": {
                JsonNode names = owner.path("propertyNames").path("errorMessage");
                return problem(node.child(property), field(at, property),
                        names.isTextual() ? names.asText() : "not an allowed key: " + e.getMessage());
            }
            case "oneOf":
            case "not":
                return conflict(e, at, node, owner, custom);
            case "maxProperties":
                return problem(node, field(at, null), (custom != null ? custom : "too many keys")
                        + "; found " + String.join(", ", node.map().keySet()));
            default:
                return problem(node, field(at, null), (custom != null ? custom : generic(e, owner, at.isEmpty()))
                        + ", " + node.describe());
        }
    }

    /**
     * oneOf over {@code required} branches ("exactly one of steps, absence") and not over them ("at most one
     * of times, at_least, optional"; "no then here"): the keys of those branches present in the value say
     * what is wrong. The problem points at the later of the clashing keys, or at the value when none is there.
     */
    private Problem conflict(Error e, List<Object> at, Node node, JsonNode owner, String custom) {
        Set<String> named = new LinkedHashSet<>();
        collectRequired(owner.path(e.getKeyword()), named);
        List<String> present = node.isMap() ? node.map().keySet().stream().filter(named::contains).toList() : List.of();
        String message = custom != null ? custom : e.getMessage();
        if (present.isEmpty()) {
            return problem(node, field(at, null), message + "; found none");
        }
        String last = present.get(present.size() - 1);
        return problem(node.child(last), field(at, last),
                present.size() == 1 ? message : message + "; found " + String.join(" and ", present));
    }

    private static void collectRequired(JsonNode schema, Set<String> into) {
        if (schema.isArray()) {
            schema.forEach(s -> collectRequired(s, into));
        } else if (schema.isObject()) {
            schema.path("required").forEach(k -> into.add(k.asText()));
            schema.path("anyOf").forEach(s -> collectRequired(s, into));
        }
    }

    /** "required", with the allowed values and the first sentence of what the key is for, when the schema says. */
    private static String required(JsonNode property) {
        StringBuilder sb = new StringBuilder("required");
        if (property.has("enum")) {
            sb.append(", one of ").append(String.join(", ", texts(property.path("enum"))));
        }
        String description = property.path("description").asText("");
        if (!description.isEmpty()) {
            String sentence = description.split("\\.(\\s|$)", 2)[0];
            sb.append(": ").append(Character.toLowerCase(sentence.charAt(0))).append(sentence.substring(1));
        }
        return sb.toString();
    }

    /** A sentence for a failed value rule when its schema object has no errorMessage. */
    private String generic(Error e, JsonNode owner, boolean atRoot) {
        switch (e.getKeyword()) {
            case "type": {
                List<String> kinds = new ArrayList<>();
                JsonNode type = owner.path("type");
                (type.isArray() ? type : List.of(type)).forEach(t -> kinds.add(kind(t.asText(), owner)));
                return (atRoot ? "a pattern file " : "") + "must be " + String.join(" or ", kinds);
            }
            case "enum":
                return "must be one of " + String.join(", ", texts(owner.path("enum")));
            case "pattern":
                return "must match " + owner.path("pattern").asText();
            case "minimum":
                return "must be at least " + owner.path("minimum").asText();
            case "maximum":
                return "must be at most " + owner.path("maximum").asText();
            case "minItems":
                return "must have at least " + owner.path("minItems").asText() + " item(s)";
            default:
                return e.getMessage();
        }
    }

    private String kind(String type, JsonNode owner) {
        return switch (type) {
            case "object" -> owner.has("properties")
                    ? "a mapping with the keys " + String.join(", ", keys(owner.path("properties")))
                    : "a mapping";
            case "array" -> "a list";
            case "boolean" -> "true or false";
            case "integer" -> "an integer";
            default -> "a " + type;
        };
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(v -> texts.add(v.asText()));
        return texts;
    }

    private static List<String> keys(JsonNode properties) {
        List<String> keys = new ArrayList<>();
        properties.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** The schema object that holds the failed keyword (its location minus the keyword). */
    private JsonNode owner(Error e) {
        NodePath fragment = e.getSchemaLocation().getFragment();
        StringBuilder pointer = new StringBuilder();
        for (int i = 0; i < fragment.getNameCount() - 1; i++) {
            pointer.append('/').append(fragment.getName(i).replace("~", "~0").replace("/", "~1"));
        }
        return schema.at(pointer.toString());
    }

    private static List<Object> steps(NodePath path) {
        List<Object> steps = new ArrayList<>();
        for (int i = 0; i < path.getNameCount(); i++) {
            steps.add(path.getElement(i));
        }
        return steps;
    }

    private Node node(List<Object> at) {
        Node n = root;
        for (Object step : at) {
            Node next = n.child(step);
            if (next == null) {
                break; // cannot happen for a tree the validator walked; keep the nearest line
            }
            n = next;
        }
        return n;
    }

    /** {@code steps[0].where.in}: keys joined with dots, list indexes in brackets; null for the whole file. */
    private static String field(List<Object> at, String last) {
        StringBuilder sb = new StringBuilder();
        for (Object step : at) {
            if (step instanceof Integer i) {
                sb.append('[').append(i).append(']');
            } else {
                sb.append(sb.isEmpty() ? "" : ".").append(step);
            }
        }
        if (last != null) {
            sb.append(sb.isEmpty() ? "" : ".").append(last);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private Problem problem(Node at, String field, String message) {
        return new Problem(file, at == null ? 0 : at.line(), field, message);
    }
}
