package io.dls.receiver.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Layers the configuration: built-in defaults, then the YAML file, then RECEIVER_* environment
 * variables, then {@code key.path=value} overrides from the command line. String values of the form
 * {@code ${env:NAME}} or {@code ${file:/path}} are replaced, so secrets need not sit in the file.
 */
public final class ConfigLoader {
    static final String ENV_PREFIX = "RECEIVER_";
    private static final String PRODUCER_PATH = "kafka.producer";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ConfigLoader.class);

    private final java.util.List<String> ignoredEnv = new java.util.ArrayList<>();

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public ReceiverConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
        ignoredEnv.clear();
        Map<String, Object> tree = defaults();
        // The settings that exist are the defaults' paths, taken before anything is merged in.
        List<String> known = knownPaths(tree, "");
        if (file != null) {
            merge(tree, readFile(file), "");
        }
        applyEnv(tree, env, known);
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            put(tree, o.getKey(), o.getValue(), "--set " + o.getKey());
        }
        resolveReferences(tree, env, kafkaResolvedProducer(tree));
        try {
            return yaml.convertValue(tree, ReceiverConfig.class);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(describe(e, file));
        }
    }

    private Map<String, Object> defaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/receiver-defaults.yaml")) {
            return asMap(yaml.readValue(in, Map.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, Object> readFile(Path file) {
        if (!Files.isReadable(file)) {
            throw new ConfigException("config file " + file + " does not exist or is not readable");
        }
        try {
            Object root = yaml.readValue(file.toFile(), Object.class);
            if (root == null) {
                return new LinkedHashMap<>();
            }
            if (!(root instanceof Map)) {
                throw new ConfigException(file + ": the top level must be a mapping of settings");
            }
            return asMap(root);
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> into, Map<String, Object> from, String prefix) {
        for (Map.Entry<String, Object> e : from.entrySet()) {
            String path = prefix + e.getKey();
            Object existing = into.get(e.getKey());
            if (existing instanceof Map && e.getValue() instanceof Map && !path.equals(PRODUCER_PATH)) {
                merge((Map<String, Object>) existing, (Map<String, Object>) e.getValue(), path + ".");
            } else {
                into.put(e.getKey(), e.getValue());
            }
        }
    }

    /** Matches RECEIVER_* variables against the known setting paths (so '_' inside names is not ambiguous). */
    private void applyEnv(Map<String, Object> tree, Map<String, String> env, List<String> paths) {
        Map<String, String> known = paths.stream().collect(Collectors.toMap(ConfigLoader::envName, p -> p));
        String producerPrefix = envName(PRODUCER_PATH) + "_";
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX)) {
                continue;
            }
            if (known.containsKey(name)) {
                put(tree, known.get(name), e.getValue(), name);
            } else if (name.startsWith(producerPrefix)) {
                // RECEIVER_KAFKA_PRODUCER_SASL_JAAS_CONFIG -> sasl.jaas.config
                String prop = name.substring(producerPrefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                producer(tree).put(prop, e.getValue());
            } else {
                // Not fatal: wrappers and images set variables of their own with this prefix.
                log.warn("ignoring environment variable {}: not a receiver setting (known: {})", name,
                        String.join(", ", known.keySet().stream().sorted().toList()));
                ignoredEnv.add(name);
            }
        }
    }

    /** RECEIVER_* variables of the last load that matched no setting (each was logged). */
    public java.util.List<String> ignoredEnvironment() {
        return java.util.List.copyOf(ignoredEnv);
    }

    static String envName(String path) {
        return ENV_PREFIX + path.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    @SuppressWarnings("unchecked")
    private static List<String> knownPaths(Map<String, Object> tree, String prefix) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            String path = prefix + e.getKey();
            if (e.getValue() instanceof Map && !path.equals(PRODUCER_PATH)) {
                out.addAll(knownPaths((Map<String, Object>) e.getValue(), path + "."));
            } else {
                out.add(path);
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> producer(Map<String, Object> tree) {
        Map<String, Object> kafka = (Map<String, Object>) tree.get("kafka");
        Object p = kafka.get("producer");
        if (!(p instanceof Map)) {
            p = new LinkedHashMap<String, Object>();
            kafka.put("producer", p);
        }
        return (Map<String, Object>) p;
    }

    /** Sets a dotted path from a string, parsed as YAML so numbers, booleans and lists keep their type. */
    @SuppressWarnings("unchecked")
    private void put(Map<String, Object> tree, String path, String value, String origin) {
        if (path.startsWith(PRODUCER_PATH + ".")) {
            producer(tree).put(path.substring(PRODUCER_PATH.length() + 1), value);
            return;
        }
        String[] parts = path.split("\\.");
        Map<String, Object> node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            Object child = node.get(parts[i]);
            if (!(child instanceof Map)) {
                throw new ConfigException(origin + ": '" + path + "' is not a receiver setting");
            }
            node = (Map<String, Object>) child;
        }
        if (!node.containsKey(parts[parts.length - 1])) {
            throw new ConfigException(origin + ": '" + path + "' is not a receiver setting");
        }
        Object parsed;
        try {
            parsed = value.isEmpty() ? null : yaml.readValue(value, Object.class);
        } catch (IOException e) {
            parsed = value;
        }
        // Keys and passwords stay strings even when they look like numbers.
        if (parsed != null && !(parsed instanceof Map) && !(parsed instanceof java.util.List)
                && (path.endsWith("key") || path.endsWith("password") || path.endsWith("passphrase")
                || path.endsWith("hostname") || path.endsWith("servers") || path.endsWith("topic"))) {
            parsed = value;
        }
        node.put(parts[parts.length - 1], parsed);
    }

    /**
     * The producer properties when they declare Kafka's own {@code config.providers}, else null: those
     * references are Kafka's (KIP-297/887, e.g. {@code ${file:/path/creds.properties:password}}, whose syntax
     * ours would misread), resolved by the client.
     */
    @SuppressWarnings("unchecked")
    private static Object kafkaResolvedProducer(Map<String, Object> tree) {
        Map<String, Object> kafka = (Map<String, Object>) tree.get("kafka");
        Object producer = kafka == null ? null : kafka.get("producer");
        return producer instanceof Map<?, ?> m && m.containsKey("config.providers") ? producer : null;
    }

    /**
     * Resolves {@code ${env:..}} and {@code ${file:..}} in every string under {@code node}, except under
     * {@code skip} (compared by identity; null skips nothing).
     */
    @SuppressWarnings("unchecked")
    private static void resolveReferences(Object node, Map<String, String> env, Object skip) {
        if (node == skip) {
            return;
        }
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                if (e.getValue() instanceof String s) {
                    e.setValue(resolve(s, env));
                } else {
                    resolveReferences(e.getValue(), env, skip);
                }
            }
        } else if (node instanceof java.util.List<?> l) {
            java.util.List<Object> list = (java.util.List<Object>) l;
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) instanceof String s) {
                    list.set(i, resolve(s, env));
                } else {
                    resolveReferences(list.get(i), env, skip);
                }
            }
        }
    }

    private static String resolve(String s, Map<String, String> env) {
        if (s.startsWith("${env:") && s.endsWith("}")) {
            String name = s.substring(6, s.length() - 1);
            String v = env.get(name);
            if (v == null) {
                throw new ConfigException("setting refers to environment variable " + name + ", which is not set");
            }
            return v;
        }
        if (s.startsWith("${file:") && s.endsWith("}")) {
            Path p = Path.of(s.substring(7, s.length() - 1));
            try {
                return Files.readString(p, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new ConfigException("setting refers to file " + p + ", which cannot be read: " + e.getMessage());
            }
        }
        return s;
    }

    private static String describe(IllegalArgumentException e, Path file) {
        String where = file == null ? "configuration" : file.toString();
        Throwable cause = e.getCause();
        if (cause instanceof UnrecognizedPropertyException u) {
            return where + ": unknown setting '" + pathOf(u) + "'; known here: " + u.getKnownPropertyIds();
        }
        if (cause instanceof JsonMappingException m) {
            Throwable root = m;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String msg = root instanceof IllegalArgumentException ? root.getMessage() : m.getOriginalMessage();
            String path = pathOf(m);
            return where + ": " + (path.isEmpty() ? "" : "setting '" + path + "': ") + msg;
        }
        return where + ": " + e.getMessage();
    }

    private static String pathOf(JsonMappingException m) {
        return m.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    /** A configuration the receiver cannot start with; the message says which setting and why. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
