package io.dls.launcher.tail;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder: prints a topic's events readably (filled in by the tail work). */
@Command(name = "tail", description = "Print a topic's events readably")
public final class TailCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("tail: not built yet");
        return 1;
    }
}
