package io.dls.notifier;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * alertmanager/alertmanager.yml as Debian's amtool sees it, and its commented Slack and PagerDuty examples
 * once uncommented (so the examples users copy are valid). Starting Alertmanager with it is in
 * {@link NotifierAlertmanagerTest#pipelineSilentInhibitsThePerNodeAlertsWithTheShippedConfiguration()}.
 */
class ShippedConfigurationTest {
    private static final Path AMTOOL = Path.of("/usr/bin/amtool");
    private static final Path CONFIG = Path.of("../alertmanager/alertmanager.yml");

    private static String check(Path file) throws Exception {
        if (!Files.isExecutable(AMTOOL)) {
            throw new AssertionError(AMTOOL + " is missing: install it with "
                    + "`apt-get update && apt-get install -y prometheus-alertmanager` (.ci/run does)");
        }
        Process p = new ProcessBuilder(AMTOOL.toString(), "check-config", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void amtoolAcceptsTheShippedConfiguration() throws Exception {
        assertThat(check(CONFIG)).contains("SUCCESS").contains("1 inhibit rules").contains("3 receivers");
    }

    @Test
    void theCommentedReceiverExamplesAreValidOnceUncommented() throws Exception {
        List<String> lines = Files.readAllLines(CONFIG);
        StringBuilder out = new StringBuilder();
        boolean inExample = false;
        int examples = 0;
        for (String line : lines) {
            if (line.matches("    # (slack_configs|pagerduty_configs):")) {
                inExample = true;
                examples++;
                out.append(line.replaceFirst("# ", "")).append('\n');
            } else if (inExample && line.startsWith("    #")) {
                out.append("    ").append(line.substring(6)).append('\n');
            } else {
                inExample = false;
                out.append(line).append('\n');
            }
        }
        assertThat(examples).isEqualTo(2);
        Path tmp = Files.createTempFile(Path.of("target"), "alertmanager-examples-", ".yml");
        Files.writeString(tmp, out.toString());
        assertThat(Files.readString(tmp)).contains("\n    slack_configs:").contains("\n    pagerduty_configs:");
        check(tmp);
    }
}
