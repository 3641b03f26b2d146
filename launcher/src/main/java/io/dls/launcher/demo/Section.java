package io.dls.launcher.demo;

/**
 * The consoles of the original system, as labelled sections of one terminal: one per output topic, the
 * alerts of all of them, and the demo's own narration of what it stages.
 */
enum Section {
    ALL("all", Ansi.CYAN),
    CRITICAL("critical", Ansi.RED),
    NODE("node", Ansi.YELLOW),
    ALERT("ALERT", Ansi.BOLD_MAGENTA),
    DEMO("demo", Ansi.BOLD);

    final String label;
    final String colour;

    Section(String name, String colour) {
        this.label = String.format("[%-8s]", name);
        this.colour = colour;
    }

    /** Plain ANSI escape codes; used only when stdout is a terminal. */
    static final class Ansi {
        static final String RESET = "\u001b[0m";
        static final String BOLD = "\u001b[1m";
        static final String DIM = "\u001b[2m";
        static final String RED = "\u001b[31m";
        static final String GREEN = "\u001b[32m";
        static final String YELLOW = "\u001b[33m";
        static final String CYAN = "\u001b[36m";
        static final String BOLD_RED = "\u001b[1;31m";
        static final String BOLD_MAGENTA = "\u001b[1;35m";

        private Ansi() {
        }
    }
}
