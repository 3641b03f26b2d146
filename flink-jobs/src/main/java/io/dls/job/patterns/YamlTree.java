package io.dls.job.patterns;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document read into maps, lists and scalars that remember their line. Jackson's own tree
 * ({@code JsonNode}) drops token locations, and every loader error must name its line, so the tree is
 * built here from the token stream.
 */
final class YamlTree {

    private static final YAMLFactory YAML = new YAMLFactory();

    /**
     * A value and its 1-based line: for a mapping entry the line of its key, for a list item the line
     * where the item starts.
     *
     * @param value a {@code Map<String, Node>} (in file order), a {@code List<Node>}, a String, a Number,
     *              a Boolean or null
     */
    record Node(Object value, int line) {
        boolean isMap() {
            return value instanceof Map;
        }

        boolean isList() {
            return value instanceof List;
        }

        boolean isScalar() {
            return !isMap() && !isList();
        }

        @SuppressWarnings("unchecked")
        Map<String, Node> map() {
            return (Map<String, Node>) value;
        }

        @SuppressWarnings("unchecked")
        List<Node> list() {
            return (List<Node>) value;
        }

        /** How the value reads in an error message: {@code was -1}, {@code was "abc"}, {@code was a list}. */
        String describe() {
            if (isMap()) {
                return map().isEmpty() ? "was an empty mapping" : "was a mapping";
            }
            if (isList()) {
                return list().isEmpty() ? "was an empty list" : "was a list";
            }
            if (value == null) {
                return "was empty";
            }
            return value instanceof String s ? "was \"" + s + "\"" : "was " + value;
        }

        /** The node below this one at a mapping key (String) or list index (Integer); null when there is none. */
        Node child(Object step) {
            if (step instanceof String key && isMap()) {
                return map().get(key);
            }
            if (step instanceof Integer i && isList() && i >= 0 && i < list().size()) {
                return list().get(i);
            }
            return null;
        }

        /** The same value as a Jackson tree, for the schema validator (which does not know lines). */
        JsonNode toJson() {
            JsonNodeFactory f = JsonNodeFactory.instance;
            if (isMap()) {
                ObjectNode o = f.objectNode();
                map().forEach((k, v) -> o.set(k, v.toJson()));
                return o;
            }
            if (isList()) {
                ArrayNode a = f.arrayNode();
                list().forEach(v -> a.add(v.toJson()));
                return a;
            }
            if (value == null) {
                return f.nullNode();
            }
            if (value instanceof Boolean b) {
                return f.booleanNode(b);
            }
            if (value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger) {
                return f.numberNode(new java.math.BigInteger(value.toString()));
            }
            if (value instanceof java.math.BigDecimal d) {
                return f.numberNode(d);
            }
            if (value instanceof Number n) {
                return f.numberNode(n.doubleValue());
            }
            return f.textNode(String.valueOf(value));
        }
    }

    private YamlTree() {
    }

    /**
     * Reads one YAML document. Syntax errors and duplicate keys are added to {@code problems}; the result
     * is null when there is nothing usable (empty file, syntax error).
     */
    static Node parse(String text, String file, List<PatternException.Problem> problems) {
        try (JsonParser p = YAML.createParser(text)) {
            if (p.nextToken() == null) {
                problems.add(new PatternException.Problem(file, 0, null, "the file is empty"));
                return null;
            }
            Node root = read(p, file, "", problems);
            if (p.nextToken() != null) {
                problems.add(new PatternException.Problem(file, line(p), null,
                        "one pattern a file: a second YAML document starts here"));
            }
            return root;
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName()
                    : e.getOriginalMessage().lines().findFirst().orElse("");
            problems.add(new PatternException.Problem(file, Math.max(line, 0), null, "not valid YAML: " + message));
            return null;
        } catch (IOException e) {
            problems.add(new PatternException.Problem(file, 0, null, "cannot read: " + e.getMessage()));
            return null;
        }
    }

    private static Node read(JsonParser p, String file, String path, List<PatternException.Problem> problems)
            throws IOException {
        int line = line(p);
        JsonToken token = p.currentToken();
        switch (token) {
            case START_OBJECT: {
                Map<String, Node> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    int keyLine = line(p);
                    String childPath = path.isEmpty() ? name : path + "." + name;
                    p.nextToken();
                    Node child = read(p, file, childPath, problems);
                    if (map.containsKey(name)) {
                        problems.add(new PatternException.Problem(file, keyLine, childPath,
                                "duplicate key (first at line " + map.get(name).line() + ")"));
                    } else {
                        map.put(name, new Node(child.value(), keyLine));
                    }
                }
                return new Node(map, line);
            }
            case START_ARRAY: {
                List<Node> list = new ArrayList<>();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(p, file, path + "[" + i++ + "]", problems));
                }
                return new Node(list, line);
            }
            case VALUE_STRING:
                return new Node(p.getText(), line);
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return new Node(p.getNumberValue(), line);
            case VALUE_TRUE:
                return new Node(Boolean.TRUE, line);
            case VALUE_FALSE:
                return new Node(Boolean.FALSE, line);
            case VALUE_NULL:
                return new Node(null, line);
            default:
                // Embedded binary (!!binary) and the like: kept as text so the loader reports a type error.
                return new Node(p.getText(), line);
        }
    }

    private static int line(JsonParser p) {
        return Math.max(p.currentTokenLocation().getLineNr(), 0);
    }
}
