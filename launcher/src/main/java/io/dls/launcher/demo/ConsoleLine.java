package io.dls.launcher.demo;

/**
 * One line of the demo's console before colouring: {@code [critical] 10:15:02.123 ERROR payment/payment-1  text}.
 *
 * @param time  local wall-clock time, HH:mm:ss.SSS
 * @param level a level (INFO, ERROR, ...), a node status (UP, DOWN), an alert's severity, or empty (the
 *              demo's narration) for no level column
 */
record ConsoleLine(Section section, String time, String level, String text) {
    String plain() {
        return section.label + " " + time + " " + paddedLevel() + text;
    }

    /** The level padded to a column of five, with its separating space; empty if there is no level. */
    String paddedLevel() {
        return level.isEmpty() ? "" : String.format("%-5s ", level);
    }
}
