package io.dls.job.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dls.contracts.IndexNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes daily logs-* indices older than the retention (Elasticsearch OSS has no ILM). Only names that are
 * exactly logs-YYYY.MM.DD are considered, so an operator's own logs-archive index is never touched. Every
 * writer may run it: deleting an index that is already gone is not an error.
 */
final class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ElasticsearchHttp es;
    private final int days;

    Retention(ElasticsearchHttp es, int days) {
        this.es = es;
        this.days = days;
    }

    /** The daily indices among these names that are older than the retention, as of today. */
    static List<String> expired(Iterable<String> indices, LocalDate today, int days) {
        List<String> out = new ArrayList<>();
        LocalDate oldestKept = today.minusDays(days - 1L);
        for (String index : indices) {
            IndexNames.logsDay(index).filter(d -> d.isBefore(oldestKept)).ifPresent(d -> out.add(index));
        }
        return out;
    }

    /** Deletes what has expired; returns the names deleted. Failures are logged, and the next run tries again. */
    List<String> run() {
        List<String> deleted = new ArrayList<>();
        try {
            HttpResponse<String> res = es.send("GET", "/_cat/indices/" + IndexNames.LOGS_PATTERN + "?format=json&h=index", null);
            if (res.statusCode() != 200) {
                log.warn("retention: listing {} answered HTTP {}; trying again at the next run", IndexNames.LOGS_PATTERN,
                        res.statusCode());
                return deleted;
            }
            List<String> names = new ArrayList<>();
            for (JsonNode n : JSON.readTree(res.body())) {
                names.add(n.path("index").asText());
            }
            for (String index : expired(names, LocalDate.now(ZoneOffset.UTC), days)) {
                HttpResponse<String> del = es.send("DELETE", "/" + index, null);
                if (del.statusCode() == 200 || del.statusCode() == 404) {
                    deleted.add(index);
                    log.info("retention: deleted {} (older than {} days)", index, days);
                } else {
                    log.warn("retention: deleting {} answered HTTP {}: {}", index, del.statusCode(), del.body());
                }
            }
        } catch (Exception e) {
            log.warn("retention: Elasticsearch unreachable ({}); trying again at the next run", e.toString());
        }
        return deleted;
    }
}
