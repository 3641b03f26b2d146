package io.dls.launcher.demo;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder: the demo microservices (filled in by the demo work). */
@Command(name = "demo", description = "Simulated microservices sending logs, registrations and heartbeats")
public final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("demo: not built yet");
        return 1;
    }
}
