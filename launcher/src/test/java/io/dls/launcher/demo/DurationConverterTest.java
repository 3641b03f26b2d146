package io.dls.launcher.demo;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationConverterTest {
    @Test
    void readsTheFormsPeopleType() {
        assertThat(DurationConverter.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DurationConverter.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationConverter.parse("0")).isZero();
        assertThat(DurationConverter.parse("15")).isEqualTo(Duration.ofSeconds(15));
        assertThat(DurationConverter.parse("PT5S")).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void refusesWithAnExample() {
        for (String bad : new String[] {"", "s", "10x", "ten seconds", "5s10", "-5s", "PT-5S"}) {
            assertThatThrownBy(() -> DurationConverter.parse(bad)).as(bad).isInstanceOf(TypeConversionException.class)
                    .hasMessageContaining("use e.g. 90s, 2m, 500ms");
        }
    }

    @Test
    void formatsBackToTheShortForm() {
        assertThat(DurationConverter.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(DurationConverter.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(DurationConverter.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(DurationConverter.format(Duration.ofHours(2))).isEqualTo("2h");
    }
}
