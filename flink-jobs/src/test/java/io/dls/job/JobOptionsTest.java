package io.dls.job;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The job's options: defaults, a YAML --config file underneath the flags, and validation messages. */
class JobOptionsTest {
    @TempDir
    Path dir;

    private static JobOptions parse(String... args) {
        JobOptions o = new JobOptions();
        CommandLine cl = new CommandLine(o);
        cl.setDefaultValueProvider(ConfigFileDefaults.fromArgs(args));
        cl.parseArgs(args);
        return o;
    }

    @Test
    void defaultsFollowTheContracts() {
        JobOptions o = parse();
        assertThat(o.topics()).isEqualTo(io.dls.job.route.Topics.defaults());
        assertThat(o.kafkaBootstrap).isEqualTo("127.0.0.1:9092");
        assertThat(o.esHosts).containsExactly("http://127.0.0.1:9200");
        assertThat(o.delivery).isEqualTo("at-least-once");
        assertThat(o.inputLimits()).isEqualTo(io.dls.job.decode.InputLimits.defaults());
        assertThat(o.inputLimits().maxEventBytes()).isLessThan(1 << 20);
    }

    @Test
    void inputLimitsFromFlags() {
        JobOptions o = parse("--max-event-bytes", "65536", "--max-clock-skew", "1000");
        assertThat(o.inputLimits()).isEqualTo(new io.dls.job.decode.InputLimits(65536, 1000));
        assertThatThrownBy(() -> parse("--max-event-bytes", "100").validate()).hasMessageContaining("at least 4096");
    }

    @Test
    void configFileUnderneathFlags() throws Exception {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, """
                kafka-bootstrap: kafka-1:9092,kafka-2:9092
                es-hosts: [http://es-1:9200, http://es-2:9200]
                critical-level: WARN
                kafka-property: {security.protocol: SASL_SSL, sasl.mechanism: PLAIN}
                delivery: exactly-once
                """);
        JobOptions o = parse("--config", f.toString(), "--critical-level", "FATAL");
        assertThat(o.kafkaBootstrap).isEqualTo("kafka-1:9092,kafka-2:9092");
        assertThat(o.esHosts).isEqualTo(List.of("http://es-1:9200", "http://es-2:9200"));
        assertThat(o.criticalLevel).as("the flag wins over the file").isEqualTo("FATAL");
        assertThat(o.kafkaProperties).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN");
        assertThat(o.delivery).isEqualTo("exactly-once");
        o.validate();
    }

    @Test
    void wrongValuesSayWhatToWrite() {
        assertThatThrownBy(() -> parse("--delivery", "twice").validate()).hasMessageContaining("at-least-once or exactly-once");
        assertThatThrownBy(() -> parse("--es-hosts", "es:9200").validate()).hasMessageContaining("http://127.0.0.1:9200");
        assertThatThrownBy(() -> parse("--critical-level", "LOUD").validate()).hasMessageContaining("TRACE");
        assertThatThrownBy(() -> parse("--config", dir.resolve("missing.yaml").toString()))
                .hasMessageContaining("missing.yaml");
    }
}
