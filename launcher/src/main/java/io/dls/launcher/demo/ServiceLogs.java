package io.dls.launcher.demo;

import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Plausible log lines per service and level, so the consoles read like a small shop's backend rather than
 * "event 17". Placeholders: {order}, {sku}, {ms}, {amount}, {qty}, {carrier}.
 */
final class ServiceLogs {
    private static final Map<String, Map<String, List<String>>> LINES = Map.of(
            "inventory", Map.of(
                    "DEBUG", List.of("cache hit for sku {sku}", "stock query for sku {sku} took {ms} ms"),
                    "INFO", List.of("stock reserved for order {order}: sku {sku} x{qty}",
                            "stock released for order {order}", "restock of sku {sku} received: {qty} units"),
                    "WARN", List.of("stock for sku {sku} low: {qty} left", "reservation for order {order} waited {ms} ms for a lock"),
                    "ERROR", List.of("stock update for sku {sku} failed: version conflict")),
            "order", Map.of(
                    "DEBUG", List.of("order {order} validated in {ms} ms", "cart for order {order} has {qty} items"),
                    "INFO", List.of("order {order} placed", "order {order} confirmed", "order {order} handed to shipping"),
                    "WARN", List.of("order {order}: inventory reservation retried (attempt 2)",
                            "order {order} took {ms} ms to confirm"),
                    "ERROR", List.of("order {order} could not be saved: database timeout")),
            "payment", Map.of(
                    "DEBUG", List.of("payment for order {order}: fraud score 0.0{qty}", "gateway round trip {ms} ms"),
                    "INFO", List.of("payment for order {order} authorized ({amount} EUR)",
                            "payment for order {order} captured ({amount} EUR)", "refund for order {order} issued"),
                    "WARN", List.of("payment for order {order} retried: gateway slow ({ms} ms)",
                            "card for order {order} needs 3-D Secure"),
                    "ERROR", List.of("payment for order {order} declined: card issuer unavailable")),
            "shipping", Map.of(
                    "DEBUG", List.of("rate quote for order {order} from {carrier} in {ms} ms"),
                    "INFO", List.of("shipment {order} label created ({carrier})", "shipment {order} dispatched",
                            "shipment {order} delivered"),
                    "WARN", List.of("shipment {order} delayed: {carrier} pickup missed"),
                    "ERROR", List.of("label for shipment {order} rejected by {carrier}")));
    private static final List<String> CARRIERS = List.of("DHL", "UPS", "DPD", "GLS");

    private ServiceLogs() {
    }

    static String line(String service, String level, RandomGenerator random) {
        List<String> options = LINES.getOrDefault(service, LINES.get("order")).get(level);
        return fill(options.get(random.nextInt(options.size())), random);
    }

    static String fill(String template, RandomGenerator random) {
        return template
                .replace("{order}", String.valueOf(1000 + random.nextInt(9000)))
                .replace("{sku}", "SKU-" + (100 + random.nextInt(900)))
                .replace("{ms}", String.valueOf(5 + random.nextInt(2000)))
                .replace("{amount}", String.format(java.util.Locale.ROOT, "%.2f", 5 + random.nextDouble() * 200))
                .replace("{qty}", String.valueOf(1 + random.nextInt(9)))
                .replace("{carrier}", CARRIERS.get(random.nextInt(CARRIERS.size())));
    }
}
