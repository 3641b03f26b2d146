package io.dls.job.index;

import io.dls.contracts.IndexNames;
import io.dls.job.support.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Deleting old daily indices, as the index job does hourly with --retention-days. */
class RetentionTest {

    @Test
    void onlyDailyLogsIndicesOlderThanTheRetentionExpire() {
        LocalDate today = LocalDate.of(2026, 12, 1);
        List<String> names = List.of("logs-2026.12.01", "logs-2026.11.25", "logs-2026.11.24", "logs-2025.01.01",
                "logs-archive", "logs-2026.11.24-restored", "alerts-2026.01", "logs-2026.13.01");
        // 7 days kept: today and the 6 days before it.
        assertThat(Retention.expired(names, today, 7)).containsExactly("logs-2026.11.24", "logs-2025.01.01");
        assertThat(Retention.expired(names, today, 1)).containsExactly("logs-2026.11.25", "logs-2026.11.24",
                "logs-2025.01.01");
    }

    @Test
    void deletesExpiredIndicesInARealElasticsearchAndKeepsTheRest() {
        long now = System.currentTimeMillis();
        String today = IndexNames.logs(now);
        String old = IndexNames.logs(IndexNames.startOfDayMillis(LocalDate.now(ZoneOffset.UTC).minusDays(30)));
        String foreign = "logs-archive";
        for (String index : List.of(today, old, foreign)) {
            TestElasticsearch.put("/" + index + "/_doc/r?refresh=true", "{\"message\":\"kept or not\"}");
        }
        List<String> deleted = new Retention(new ElasticsearchHttp(TestElasticsearch.url(), null, null), 7).run();
        assertThat(deleted).contains(old).doesNotContain(today, foreign);
        assertThat(TestElasticsearch.get("/" + old).path("status").asInt()).isEqualTo(404);
        assertThat(TestElasticsearch.get("/" + today).has(today)).isTrue();
        assertThat(TestElasticsearch.get("/" + foreign).has(foreign)).isTrue();
        TestElasticsearch.delete("/" + foreign);
    }
}
