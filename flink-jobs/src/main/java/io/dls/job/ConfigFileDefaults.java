package io.dls.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Defaults for the job's options from the YAML file named by --config: a key is an option's long name
 * without dashes ({@code es-hosts: [http://a:9200]}); flags on the command line still win.
 */
public final class ConfigFileDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, Object> values;
    private final Path file;

    private ConfigFileDefaults(Path file, Map<String, Object> values) {
        this.file = file;
        this.values = values;
    }

    @SuppressWarnings("unchecked")
    public static CommandLine.IDefaultValueProvider fromArgs(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String path = null;
            if (args[i].equals("--config") && i + 1 < args.length) {
                path = args[i + 1];
            } else if (args[i].startsWith("--config=")) {
                path = args[i].substring("--config=".length());
            }
            if (path != null) {
                Path file = Path.of(path);
                try {
                    Map<String, Object> m = Files.exists(file)
                            ? new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Map.class) : null;
                    if (m == null) {
                        throw new IllegalArgumentException("--config " + file + ": no such file, or it is empty");
                    }
                    return new ConfigFileDefaults(file, m);
                } catch (IOException e) {
                    throw new IllegalArgumentException("--config " + file + ": not valid YAML: " + e.getMessage(), e);
                }
            }
        }
        return null;
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec opt)) {
            return null;
        }
        String key = opt.longestName().replaceFirst("^--", "");
        if (!values.containsKey(key)) {
            return arg.defaultValue();
        }
        Object v = values.get(key);
        if (v instanceof List<?> l) {
            return l.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        if (v instanceof Map<?, ?> m) {
            return m.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
        }
        return String.valueOf(v);
    }

    @Override
    public String toString() {
        return "defaults from " + file;
    }
}
