package io.dls.launcher.demo;

/**
 * One simulated service instance, as the original system named them: {@code payment-2} is the second
 * node of the payment service. Its Fluentd tag is {@code demo.<service>}, so all nodes of a service share
 * one tag and the node is told apart by {@code node_id}, as in the original records.
 */
public record Node(String service, String id) {
    public static Node of(String service, int index) {
        return new Node(service, service + "-" + index);
    }

    public String tag() {
        return "demo." + service;
    }

    @Override
    public String toString() {
        return id;
    }
}
