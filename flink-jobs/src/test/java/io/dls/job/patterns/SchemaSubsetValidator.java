package io.dls.job.patterns;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The part of JSON Schema draft-07 that {@code pattern.schema.json} uses, so the shipped files can be checked
 * against it without a validator dependency. A keyword it does not know fails the check rather than being
 * ignored, so the schema cannot drift beyond what this test really verifies.
 */
final class SchemaSubsetValidator {

    /** Keywords that only annotate (shown by editors) and never reject anything. */
    private static final Set<String> ANNOTATIONS =
            Set.of("$schema", "$id", "title", "description", "default", "examples", "definitions");
    private static final Set<String> ASSERTIONS = Set.of("$ref", "type", "enum", "const", "pattern", "minLength",
            "minimum", "minItems", "items", "additionalItems", "properties", "required", "additionalProperties",
            "propertyNames", "allOf", "anyOf", "oneOf", "not", "if", "then", "else");

    private final JsonNode root;

    SchemaSubsetValidator(JsonNode root) {
        this.root = root;
    }

    /** The errors of {@code value}, as {@code path: reason}; empty when it is valid. */
    List<String> validate(JsonNode value) {
        List<String> errors = new ArrayList<>();
        check(root, value, "$", errors);
        return errors;
    }

    private void check(JsonNode schema, JsonNode v, String path, List<String> errors) {
        if (schema.isBoolean()) {
            if (!schema.booleanValue()) {
                errors.add(path + ": no value allowed here");
            }
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode s = e.getValue();
            if (ANNOTATIONS.contains(k)) {
                continue;
            }
            if (!ASSERTIONS.contains(k)) {
                throw new IllegalArgumentException("schema keyword not supported by this test: " + k);
            }
            switch (k) {
                case "$ref" -> check(resolve(s.asText()), v, path, errors);
                case "type" -> {
                    boolean ok = false;
                    for (JsonNode t : s.isArray() ? s : List.of(s)) {
                        ok |= hasType(v, t.asText());
                    }
                    if (!ok) {
                        errors.add(path + ": must be of type " + s + ", was " + v);
                    }
                }
                case "enum" -> {
                    boolean ok = false;
                    for (JsonNode option : s) {
                        ok |= option.equals(v);
                    }
                    if (!ok) {
                        errors.add(path + ": must be one of " + s + ", was " + v);
                    }
                }
                case "const" -> {
                    if (!s.equals(v)) {
                        errors.add(path + ": must be " + s);
                    }
                }
                case "pattern" -> {
                    if (v.isTextual() && !Pattern.compile(s.asText()).matcher(v.asText()).find()) {
                        errors.add(path + ": must match " + s.asText() + ", was " + v);
                    }
                }
                case "minLength" -> {
                    if (v.isTextual() && v.asText().codePointCount(0, v.asText().length()) < s.asInt()) {
                        errors.add(path + ": shorter than " + s.asInt());
                    }
                }
                case "minimum" -> {
                    if (v.isNumber() && v.asDouble() < s.asDouble()) {
                        errors.add(path + ": below " + s);
                    }
                }
                case "minItems" -> {
                    if (v.isArray() && v.size() < s.asInt()) {
                        errors.add(path + ": fewer than " + s.asInt() + " items");
                    }
                }
                case "items" -> {
                    if (v.isArray()) {
                        for (int i = 0; i < v.size(); i++) {
                            if (s.isArray()) {
                                if (i < s.size()) {
                                    check(s.get(i), v.get(i), path + "[" + i + "]", errors);
                                } else if (schema.has("additionalItems")) {
                                    check(schema.get("additionalItems"), v.get(i), path + "[" + i + "]", errors);
                                }
                            } else {
                                check(s, v.get(i), path + "[" + i + "]", errors);
                            }
                        }
                    }
                }
                case "additionalItems" -> {
                    // applied together with an "items" array, above
                }
                case "properties" -> {
                    if (v.isObject()) {
                        for (Iterator<String> names = s.fieldNames(); names.hasNext(); ) {
                            String name = names.next();
                            if (v.has(name)) {
                                check(s.get(name), v.get(name), path + "." + name, errors);
                            }
                        }
                    }
                }
                case "required" -> {
                    if (v.isObject()) {
                        for (JsonNode name : s) {
                            if (!v.has(name.asText())) {
                                errors.add(path + ": missing " + name.asText());
                            }
                        }
                    }
                }
                case "additionalProperties" -> {
                    if (v.isObject()) {
                        JsonNode props = schema.path("properties");
                        for (Iterator<String> names = v.fieldNames(); names.hasNext(); ) {
                            String name = names.next();
                            if (!props.has(name)) {
                                check(s, v.get(name), path + "." + name, errors);
                            }
                        }
                    }
                }
                case "propertyNames" -> {
                    if (v.isObject()) {
                        for (Iterator<String> names = v.fieldNames(); names.hasNext(); ) {
                            String name = names.next();
                            check(s, com.fasterxml.jackson.databind.node.TextNode.valueOf(name), path + "." + name + " (name)", errors);
                        }
                    }
                }
                case "allOf" -> s.forEach(sub -> check(sub, v, path, errors));
                case "anyOf" -> {
                    if (countValid(s, v, path) == 0) {
                        errors.add(path + ": matches none of anyOf");
                    }
                }
                case "oneOf" -> {
                    int n = countValid(s, v, path);
                    if (n != 1) {
                        errors.add(path + ": must match exactly one of oneOf, matched " + n);
                    }
                }
                case "not" -> {
                    if (validates(s, v, path)) {
                        errors.add(path + ": must not match " + s);
                    }
                }
                case "if" -> {
                    JsonNode branch = validates(s, v, path) ? schema.get("then") : schema.get("else");
                    if (branch != null) {
                        check(branch, v, path, errors);
                    }
                }
                case "then", "else" -> {
                    // applied with "if", above
                }
                default -> throw new IllegalStateException(k);
            }
        }
    }

    private int countValid(JsonNode schemas, JsonNode v, String path) {
        int n = 0;
        for (JsonNode sub : schemas) {
            n += validates(sub, v, path) ? 1 : 0;
        }
        return n;
    }

    private boolean validates(JsonNode schema, JsonNode v, String path) {
        List<String> errors = new ArrayList<>();
        check(schema, v, path, errors);
        return errors.isEmpty();
    }

    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalArgumentException("only local $ref are supported: " + ref);
        }
        JsonNode node = root;
        for (String part : ref.substring(2).split("/")) {
            node = node.path(part);
        }
        if (node.isMissingNode()) {
            throw new IllegalArgumentException("dangling $ref " + ref);
        }
        return node;
    }

    private static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            default -> throw new IllegalArgumentException("unknown type " + type);
        };
    }
}
