package io.dls.notifier;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Alert documents in the shape the pipeline job writes (flink-jobs Alert.toDocument() and
 * NodeHealthFunction's node-recovered notice), built here as JSON: the topic's JSON is the contract.
 */
final class AlertDocs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertDocs() {
    }

    /** An alert document; {@code extra} goes into the {@code alert} object (labels, description, ...). */
    static String alert(String rule, String severity, String keyField, String keyValue, String message,
                        Instant raisedAt, Instant first, Instant last, List<String> eventIds,
                        Map<String, Object> extra) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("@timestamp", raisedAt.toString());
        doc.put("message", message);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("id", java.util.UUID.nameUUIDFromBytes((rule + keyValue + eventIds).getBytes()).toString());
        event.put("kind", "alert");
        event.put("severity", severity);
        event.put("dataset", "alerts");
        event.put("start", first.toString());
        event.put("end", last.toString());
        doc.put("event", event);
        doc.put("rule", Map.of("name", rule));
        Map<String, Object> alert = new LinkedHashMap<>();
        alert.put("key", Map.of("field", keyField, "value", keyValue));
        alert.put("count", eventIds.size());
        alert.put("event_ids", eventIds);
        alert.put("topic", keyField.startsWith("host") ? "node_failure" : "critical_logs");
        alert.putAll(extra);
        doc.put("alert", alert);
        if (keyField.equals("service.name")) {
            doc.put("service", Map.of("name", keyValue));
        }
        if (keyField.equals("host.name")) {
            doc.put("host", Map.of("name", keyValue));
        }
        doc.put("log", Map.of("level", "critical".equals(severity) ? "ERROR" : "WARN"));
        try {
            return JSON.writeValueAsString(doc);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String errorBurst(String service, Instant now, Map<String, Object> extra) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(service + "-ev-" + i);
        }
        return alert("error-burst", "critical", "service.name", service,
                "5 errors from " + service + " within 30s", now, now.minusSeconds(4), now.minusSeconds(1), ids, extra);
    }

    static String heartbeatTimeout(String host, Instant now, Map<String, Object> extra) {
        return alert("heartbeat-timeout", "critical", "host.name", host, "node " + host + " silent for 15s",
                now, now.minusSeconds(15), now.minusSeconds(15), List.of(host + "-hb-1"), extra);
    }

    /** As NodeHealthFunction writes it: rule node-recovered, severity info, keyed by host.name. */
    static String nodeRecovered(String host, Instant now) {
        return alert("node-recovered", "info", "host.name", host,
                "node " + host + " recovered: heartbeats resumed after heartbeat-timeout", now, now, now,
                List.of(host + "-hb-2"), Map.of());
    }

    static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static void send(KafkaProducer<String, String> p, String topic, String key, String json) throws Exception {
        p.send(new ProducerRecord<>(topic, key, json)).get();
    }
}
