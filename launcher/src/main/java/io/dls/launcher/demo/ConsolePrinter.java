package io.dls.launcher.demo;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Map;

/**
 * Writes console lines, one at a time (the Kafka feed and the scenario print from different threads),
 * coloured only for a terminal, and counts them per section for the summary. Quiet mode counts and
 * prints nothing (--no-console).
 */
final class ConsolePrinter {
    private final PrintWriter out;
    private final boolean colour;
    private final boolean quiet;
    private final Map<Section, Long> counts = new EnumMap<>(Section.class);

    ConsolePrinter(PrintWriter out, boolean colour, boolean quiet) {
        this.out = out;
        this.colour = colour;
        this.quiet = quiet;
    }

    synchronized void print(ConsoleLine line) {
        counts.merge(line.section(), 1L, Long::sum);
        if (quiet) {
            return;
        }
        out.println(colour ? coloured(line) : line.plain());
        out.flush();
    }

    /** A line outside the sections (intro, summary); printed even in quiet mode if {@code always}. */
    synchronized void println(String text, boolean always) {
        if (quiet && !always) {
            return;
        }
        out.println(text);
        out.flush();
    }

    synchronized long count(Section s) {
        return counts.getOrDefault(s, 0L);
    }

    synchronized String summary() {
        return "console: all " + count(Section.ALL) + ", critical " + count(Section.CRITICAL) + ", node "
                + count(Section.NODE) + ", alerts " + count(Section.ALERT);
    }

    private static String coloured(ConsoleLine l) {
        return l.section().colour + l.section().label + Section.Ansi.RESET + " " + Section.Ansi.DIM + l.time()
                + Section.Ansi.RESET + " " + levelColour(l.level()) + l.paddedLevel() + Section.Ansi.RESET + l.text();
    }

    private static String levelColour(String level) {
        return switch (level) {
            case "ERROR", "FATAL", "DOWN", "critical" -> Section.Ansi.BOLD_RED;
            case "WARN", "warning" -> Section.Ansi.YELLOW;
            case "INFO", "UP", "info" -> Section.Ansi.GREEN;
            case "DEBUG", "TRACE" -> Section.Ansi.DIM;
            default -> "";
        };
    }
}
