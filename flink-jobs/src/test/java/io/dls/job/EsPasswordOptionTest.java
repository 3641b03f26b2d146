package io.dls.job;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --es-password-file: a mounted secret instead of a password on the command line. */
class EsPasswordOptionTest {
    @TempDir
    Path dir;

    @Test
    void fileWinsOverTheFlagAndLosesOneTrailingNewline() throws Exception {
        Path f = dir.resolve("es-password");
        Files.writeString(f, "p4ss word \n");
        JobOptions o = CommandLine.populateCommand(new JobOptions(), "--es-password", "flag-value",
                "--es-password-file", f.toString());
        assertThat(o.esPassword()).isEqualTo("p4ss word ");
    }

    @Test
    void withoutAFileTheFlagCounts() {
        JobOptions o = CommandLine.populateCommand(new JobOptions(), "--es-password", "flag-value");
        assertThat(o.esPassword()).isEqualTo("flag-value");
    }

    @Test
    void anUnreadableFileIsAConfigurationErrorNamingTheFile() {
        JobOptions o = CommandLine.populateCommand(new JobOptions(), "--es-password-file", dir.resolve("missing").toString());
        assertThatThrownBy(o::validate).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--es-password-file").hasMessageContaining("missing");
    }
}
