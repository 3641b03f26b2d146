package io.dls.launcher.flink;

import picocli.CommandLine.Command;

/** Job submission and control through Flink's REST API. */
@Command(name = "flink", description = "Submit, watch and stop the job through Flink's REST API", subcommands = {})
public final class FlinkCommand {
}
