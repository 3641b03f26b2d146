package io.dls.launcher;

import io.dls.launcher.alerts.AlertsCommand;
import io.dls.launcher.demo.DemoCommand;
import io.dls.launcher.flink.FlinkCommand;
import io.dls.launcher.tail.TailCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The Java side of {@code ./dls}: the script starts and stops the server processes; the commands here are
 * what is clearer in Java than in shell (Flink's REST API, Kafka clients, the forward client of the demo).
 */
@Command(name = "dls-launcher.jar", mixinStandardHelpOptions = true,
        description = "Helpers behind ./dls; run ./dls --help for the user-facing commands.",
        subcommands = {FlinkCommand.class, TopicsCommand.class, LagCommand.class, DemoCommand.class, TailCommand.class,
                AlertsCommand.class})
public final class Launcher {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Launcher()).execute(args));
    }
}
