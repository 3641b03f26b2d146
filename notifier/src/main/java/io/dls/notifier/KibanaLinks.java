package io.dls.notifier;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Kibana Discover links to an alert's evidence: the matched events by {@code event.id} in the logs index
 * pattern (the id shipped in kibana/saved-objects.ndjson), over the alert's time range plus a minute each
 * side. The URL state is rison, as Kibana writes it.
 */
public final class KibanaLinks {
    /** Past this many ids the link asks for the alert's key instead: URLs stay well under 8 kB. */
    static final int MAX_IDS = 50;
    private static final Duration MARGIN = Duration.ofMinutes(1);

    private final String baseUrl;
    private final String indexPatternId;

    public KibanaLinks(String baseUrl, String indexPatternId) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.indexPatternId = indexPatternId;
    }

    public String discover(PipelineAlert a) {
        String query;
        List<String> ids = a.eventIds();
        if (!ids.isEmpty() && ids.size() <= MAX_IDS) {
            query = "event.id:(" + ids.stream().map(KibanaLinks::kqlString).collect(Collectors.joining(" or ")) + ")";
        } else if (!a.keyField().isEmpty()) {
            query = a.keyField() + ":" + kqlString(a.keyValue());
        } else {
            query = "";
        }
        Instant from = min(a.firstEvent(), a.lastEvent()).minus(MARGIN);
        Instant to = max(a.firstEvent(), a.lastEvent()).plus(MARGIN);
        String g = "(time:(from:" + rison(from.toString()) + ",to:" + rison(to.toString()) + "))";
        String app = "(index:" + rison(indexPatternId) + ",query:(language:kuery,query:" + rison(query) + "))";
        return baseUrl + "/app/discover#/?_g=" + encode(g) + "&_a=" + encode(app);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static String kqlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** A rison string: always quoted here; ' and ! are escaped with !. */
    static String rison(String s) {
        return "'" + s.replace("!", "!!").replace("'", "!'") + "'";
    }

    /** Percent-encoding that keeps rison's punctuation readable; spaces as %20 (a + is a plus in a fragment). */
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20")
                .replace("%28", "(").replace("%29", ")").replace("%3A", ":").replace("%2C", ",")
                .replace("%27", "'").replace("%21", "!");
    }
}
