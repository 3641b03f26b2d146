package io.dls.launcher.demo;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The records the original microservices sent, with their field names ({@code message_type},
 * {@code service_name}, {@code node_id}, {@code log_level}, {@code status}, {@code error_details}); the
 * job's alias configuration (normalize-aliases.yaml) maps them onto ECS names.
 */
final class DemoRecords {
    private final RandomGenerator random;

    DemoRecords(RandomGenerator random) {
        this.random = random;
    }

    static Map<String, Object> registration(Node n) {
        Map<String, Object> r = base("REGISTRATION", n);
        r.put("status", "UP");
        r.put("message", "node " + n.id() + " registered");
        return r;
    }

    static Map<String, Object> heartbeat(Node n) {
        Map<String, Object> r = base("HEARTBEAT", n);
        r.put("status", "UP");
        return r;
    }

    /**
     * A node leaving on purpose: the job stops watching its heartbeats, so a demo that ends raises no
     * heartbeat-timeout for the nodes it stopped.
     */
    static Map<String, Object> deregistration(Node n) {
        Map<String, Object> r = base("DEREGISTRATION", n);
        r.put("message", "node " + n.id() + " deregistered");
        return r;
    }

    /** An ordinary log line: mostly INFO, some DEBUG and WARN, rarely ERROR (too rare to trip error-burst). */
    Map<String, Object> log(Node n) {
        int p = random.nextInt(1000);
        String level = p < 5 ? "ERROR" : p < 100 ? "WARN" : p < 220 ? "DEBUG" : "INFO";
        Map<String, Object> r = base("LOG", n);
        r.put("log_level", level);
        r.put("message", ServiceLogs.line(n.service(), level, random));
        r.put("duration_ms", 1 + random.nextInt(250));
        if (level.equals("ERROR")) {
            r.put("error_details", "TransientFailure: retry budget exhausted");
        }
        return r;
    }

    /** One error of the staged payment outage; the stack trace's first line becomes error.message. */
    Map<String, Object> burstError(Node n) {
        Map<String, Object> r = base("LOG", n);
        r.put("log_level", "ERROR");
        r.put("message", ServiceLogs.fill("payment for order {order} failed: gateway timeout", random));
        r.put("error_details", "PaymentGatewayTimeoutException: no answer from the card gateway within 5000 ms\n"
                + "\tat shop.payment.GatewayClient.authorize(GatewayClient.java:214)\n"
                + "\tat shop.payment.PaymentService.charge(PaymentService.java:87)\n"
                + "\tat shop.payment.PaymentController.pay(PaymentController.java:41)");
        r.put("duration_ms", 5000);
        return r;
    }

    private static Map<String, Object> base(String type, Node n) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("message_type", type);
        r.put("service_name", n.service());
        r.put("node_id", n.id());
        return r;
    }
}
