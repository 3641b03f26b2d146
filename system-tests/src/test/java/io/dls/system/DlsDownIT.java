package io.dls.system;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./dls down} on the stack the system ITs share ({@link SharedDlsStack}), after {@link DlsIT} and
 * {@link FaultsIT}: it stops exactly the processes running now (the faults restarted several of those up first
 * started) and keeps the data and both jobs' savepoints.
 */
@ExtendWith(SharedDlsStack.class)
@Order(3)
class DlsDownIT {

    @Test
    void downStopsExactlyWhatUpStartedAndKeepsTheData() throws Exception {
        DlsStack stack = SharedDlsStack.get();
        Map<String, Long> pids = stack.pids();
        DlsStack.Run down = stack.dls(Duration.ofMinutes(3), "down");
        assertThat(down.code()).as(down.output()).isZero();
        assertThat(down.output()).contains("savepoint file:", "data kept");
        for (Map.Entry<String, Long> p : pids.entrySet()) {
            assertThat(ProcessHandle.of(p.getValue()).map(ProcessHandle::isAlive).orElse(false))
                    .as(p.getKey() + " (pid " + p.getValue() + ") still alive").isFalse();
        }
        String marker = "-Ddls.service=";
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            assertThat(all.map(h -> h.info().commandLine().orElse(""))
                    .filter(c -> c.contains(marker) && c.contains(stack.home.toString())).toList()).isEmpty();
        }
        assertThat(stack.home.resolve("data/kafka")).isDirectory();
        assertThat(stack.home.resolve("state/savepoint-pipeline")).exists();
        assertThat(stack.home.resolve("state/savepoint-index")).exists();
        DlsStack.Run status = stack.dls(Duration.ofMinutes(1), "status");
        assertThat(status.code()).isNotZero();
        assertThat(status.output()).containsPattern("kafka\\s+stopped");
    }
}
