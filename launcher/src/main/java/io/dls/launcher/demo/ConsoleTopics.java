package io.dls.launcher.demo;

import java.util.List;

/** The job's three output topics (contract 3) and which console section each one feeds. */
record ConsoleTopics(String all, String critical, String nodeFailure) {
    List<String> names() {
        return List.of(all, critical, nodeFailure);
    }

    Section sectionOf(String topic) {
        if (topic.equals(critical)) {
            return Section.CRITICAL;
        }
        if (topic.equals(nodeFailure)) {
            return Section.NODE;
        }
        return Section.ALL;
    }
}
