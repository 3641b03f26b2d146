package io.dls.job.route;

import io.dls.job.normalize.LogEvent;
import io.dls.job.patterns.Alert;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class NodeHealthFunctionTest {

    static LogEvent heartbeat(String host, String status) {
        LogEvent e = new LogEvent();
        e.host = host;
        e.type = "HEARTBEAT";
        e.status = status;
        e.eventId = host + "-" + status + "-" + System.nanoTime();
        e.timestamp = "2026-01-01T00:00:00Z";
        return e;
    }

    static Alert timeout(String host) {
        Alert a = new Alert();
        a.pattern = "heartbeat-timeout";
        a.keyField = "host.name";
        a.keyValue = host;
        a.topic = "node_failure";
        return a;
    }

    private KeyedTwoInputStreamOperatorTestHarness<String, LogEvent, Alert, Alert> harness() throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new NodeHealthFunction(Topics.defaults(), Duration.ofMinutes(10))),
                (LogEvent e) -> e.host, (Alert a) -> a.keyValue, Types.STRING);
        h.open();
        return h;
    }

    @Test
    void oneRecoveryNoticeWhenHeartbeatsResume() throws Exception {
        var h = harness();
        h.processElement1(heartbeat("n1", "UP"), 0);
        assertThat(h.extractOutputValues()).as("a healthy node gets no notice").isEmpty();
        h.processElement2(timeout("n1"), 0);
        h.processElement1(heartbeat("n1", "UP"), 0);
        h.processElement1(heartbeat("n1", "UP"), 0);
        assertThat(h.extractOutputValues()).singleElement().satisfies(a -> {
            assertThat(a.pattern).isEqualTo("node-recovered");
            assertThat(a.keyValue).isEqualTo("n1");
            assertThat(a.topic).isEqualTo("node_failure");
            assertThat(a.message).contains("heartbeat-timeout");
        });
        assertThat(h.numKeyedStateEntries()).as("recovered: nothing kept").isZero();
        assertThat(h.numProcessingTimeTimers()).isZero();
        h.close();
    }

    @Test
    void downThenUpRecoversToo() throws Exception {
        var h = harness();
        h.processElement1(heartbeat("n2", "DOWN"), 0);
        h.processElement1(heartbeat("n2", "UP"), 0);
        assertThat(h.extractOutputValues()).singleElement().satisfies(a -> assertThat(a.message).contains("DOWN"));
        h.close();
    }

    @Test
    void aNodeThatNeverComesBackLeavesNoStateOrTimers() throws Exception {
        var h = harness();
        h.processElement2(timeout("gone"), 0);
        assertThat(h.numKeyedStateEntries()).isPositive();
        assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
        h.setProcessingTime(Duration.ofMinutes(11).toMillis());
        assertThat(h.numKeyedStateEntries()).isZero();
        assertThat(h.numProcessingTimeTimers()).isZero();
        h.processElement1(heartbeat("gone", "UP"), 0);
        assertThat(h.extractOutputValues()).as("forgotten: no stale recovery").isEmpty();
        h.close();
    }

    @Test
    void aFailedNodeThatDeregistersGetsItsNoticeAndNoLaterOne() throws Exception {
        var h = harness();
        h.processElement1(heartbeat("n3", "UP"), 0);
        LogEvent leaving = heartbeat("n3", null);
        leaving.type = "DEREGISTRATION";
        h.processElement1(leaving, 0);
        assertThat(h.extractOutputValues()).as("a healthy node leaving gets no notice").isEmpty();
        h.processElement2(timeout("n3"), 0);
        h.processElement1(leaving, 0);
        assertThat(h.extractOutputValues()).singleElement().satisfies(a -> {
            assertThat(a.pattern).isEqualTo("node-recovered");
            assertThat(a.message).isEqualTo("node n3 deregistered after heartbeat-timeout");
        });
        assertThat(h.numKeyedStateEntries()).isZero();
        assertThat(h.numProcessingTimeTimers()).isZero();
        h.close();
    }
}
