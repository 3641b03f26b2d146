package io.dls.job.normalize;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which original fields map onto which ECS field, and which words mean which level: configuration, not
 * code (normalize-aliases.yaml in the jar, or a file of the same shape).
 */
public final class AliasConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    final List<String> message;
    final List<String> level;
    final List<String> service;
    final List<String> host;
    final List<String> type;
    final List<String> status;
    final List<String> error;
    private final Map<String, String> levelWords = new HashMap<>();
    private final Map<String, String> typeWords = new HashMap<>();

    @SuppressWarnings("unchecked")
    private AliasConfig(Map<String, Object> m, String origin) {
        message = list(m, "message", origin);
        level = list(m, "level", origin);
        service = list(m, "service", origin);
        host = list(m, "host", origin);
        type = list(m, "type", origin);
        status = list(m, "status", origin);
        error = list(m, "error", origin);
        for (Map.Entry<String, Object> e : ((Map<String, Object>) m.getOrDefault("levels", Map.of())).entrySet()) {
            for (Object w : (List<Object>) e.getValue()) {
                levelWords.put(String.valueOf(w).toLowerCase(Locale.ROOT), e.getKey().toUpperCase(Locale.ROOT));
            }
        }
        for (Map.Entry<String, Object> e : ((Map<String, Object>) m.getOrDefault("types", Map.of())).entrySet()) {
            for (Object w : (List<Object>) e.getValue()) {
                typeWords.put(String.valueOf(w).toUpperCase(Locale.ROOT), e.getKey().toUpperCase(Locale.ROOT));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Map<String, Object> m, String key, String origin) {
        Object v = m.get(key);
        if (!(v instanceof List)) {
            throw new IllegalArgumentException(origin + ": '" + key + "' must be a list of field paths");
        }
        return List.copyOf((List<String>) v);
    }

    public static AliasConfig defaults() {
        try (InputStream in = AliasConfig.class.getResourceAsStream("/normalize-aliases.yaml")) {
            return parse(in, "normalize-aliases.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static AliasConfig load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read aliases: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static AliasConfig parse(InputStream in, String origin) throws IOException {
        return new AliasConfig(new ObjectMapper(new YAMLFactory()).readValue(in, Map.class), origin);
    }

    /** TRACE..FATAL for a level word or syslog number, or UNKNOWN. */
    public String level(Object raw) {
        if (raw == null) {
            return "UNKNOWN";
        }
        String s = String.valueOf(raw).trim().toLowerCase(Locale.ROOT);
        if (raw instanceof Double d && d == Math.floor(d)) {
            s = Long.toString(d.longValue());
        }
        String lvl = levelWords.get(s);
        return lvl != null ? lvl : "UNKNOWN";
    }

    /** LOG, HEARTBEAT, REGISTRATION, DEREGISTRATION (the {@code types:} words); null when the record does not say. */
    public String type(Object raw) {
        if (raw == null) {
            return null;
        }
        return typeWords.getOrDefault(String.valueOf(raw).trim().toUpperCase(Locale.ROOT), null);
    }
}
