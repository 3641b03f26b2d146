package io.dls.job.index;

import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.DocWriteRequest;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.xcontent.XContentType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends one bulk request of the Elasticsearch sink and answers the sink only when every document of it is
 * settled, so the sink never sees a failure and the job never restarts because of Elasticsearch:
 * <ul>
 *   <li>unreachable, 429 or 5xx (the whole bulk or single documents): sent again after a backoff that grows to
 *       {@link #MAX_BACKOFF}, for as long as it takes; the sink's writer waits meanwhile, so the job's Kafka
 *       lag grows instead of anything failing;</li>
 *   <li>409 on our own deterministic id: the document is there, counted as stored;</li>
 *   <li>any other 4xx (mapping conflict, malformed, closed index): sent once more in its {@link SafeForm}; if
 *       that is refused too, written to the dead-letter topic with Elasticsearch's status and reason.</li>
 * </ul>
 * The index templates are installed before the first bulk (with the same retries), so no index is ever
 * created with dynamic mappings. Callbacks of the HTTP client hand their work to {@code executor}: dead
 * letters and templates block, and the client's I/O threads must not.
 */
public final class BulkSender {
    private static final Logger log = LoggerFactory.getLogger(BulkSender.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final Pattern ES_TYPE = Pattern.compile("type=([a-z_]+)");

    /** One bulk request to Elasticsearch, answered through the listener (the HTTP client's own threads). */
    @FunctionalInterface
    public interface Transport {
        void send(BulkRequest bulk, ActionListener<BulkResponse> listener);
    }

    /** Writes dead letters and returns only when the topic has them. */
    @FunctionalInterface
    public interface DeadLetters {
        void write(List<DeadLetter> letters) throws Exception;
    }

    /** Installs the index templates; idempotent. */
    @FunctionalInterface
    public interface Templates {
        void install() throws Exception;
    }

    private final Transport transport;
    private final DeadLetters deadLetters;
    private final Templates templates;
    private final IndexMetrics metrics;
    private final ScheduledExecutorService executor;
    private final RateLimitedLog outageLog = new RateLimitedLog(Duration.ofMinutes(1));
    private volatile boolean templatesInstalled;
    /** Bulks not answered yet: {@link #abort} answers them when the writer closes. */
    private final java.util.Set<Attempt> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean aborted;

    public BulkSender(Transport transport, DeadLetters deadLetters, Templates templates, IndexMetrics metrics,
                      ScheduledExecutorService executor) {
        this.transport = transport;
        this.deadLetters = deadLetters;
        this.templates = templates;
        this.metrics = metrics;
        this.executor = executor;
    }

    /** Sends the bulk; the listener hears once, with every document a success (or a failure after {@link #abort}). */
    public void send(BulkRequest bulk, ActionListener<BulkResponse> listener) {
        List<Item> items = new ArrayList<>(bulk.numberOfActions());
        for (DocWriteRequest<?> r : bulk.requests()) {
            items.add(new Item(r, false, null));
        }
        Attempt a = new Attempt(bulk, listener);
        inFlight.add(a);
        if (aborted) {
            a.fail();
            return;
        }
        run(() -> a.next(items, 0));
    }

    /**
     * The writer is closing (the job is cancelled, fails over or stops): every bulk still waiting for
     * Elasticsearch is answered with a failure at once, and later ones too. The connector's writer, closed,
     * ignores those answers; its documents come again from Kafka, from the last checkpoint. Without this, a
     * writer waiting for an Elasticsearch that is down would hold its task past Flink's cancellation timeout,
     * and Flink would kill the whole TaskManager (and every other job's tasks on it) to get rid of it.
     */
    public void abort() {
        aborted = true;
        for (Attempt a : inFlight) {
            a.fail();
        }
    }

    /** One document on its way: the request to send now, whether it is the safe form, the first refusal. */
    private record Item(DocWriteRequest<?> request, boolean safe, String firstRefusal) {
    }

    private void run(Runnable r) {
        try {
            executor.execute(r);
        } catch (RejectedExecutionException closed) {
            log.info("the Elasticsearch writer is closing; a bulk in flight is left to the replay from Kafka");
        }
    }

    private void later(Runnable r, long delayMillis) {
        try {
            executor.schedule(r, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            log.info("the Elasticsearch writer is closing; a bulk in flight is left to the replay from Kafka");
        }
    }

    static long backoffMillis(int failures) {
        long ms = FIRST_BACKOFF.toMillis() << Math.min(failures, 20);
        return Math.min(ms, MAX_BACKOFF.toMillis());
    }

    private final class Attempt {
        private final BulkRequest original;
        private final ActionListener<BulkResponse> listener;
        private final long startNanos = System.nanoTime();
        /** Whether Elasticsearch could not take this bulk at some try: its success is then worth a line. */
        private boolean waited;
        private final java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();

        Attempt(BulkRequest original, ActionListener<BulkResponse> listener) {
            this.original = original;
            this.listener = listener;
        }

        void fail() {
            if (answered.compareAndSet(false, true)) {
                inFlight.remove(this);
                metrics.waiting(false);
                listener.onFailure(new IllegalStateException("the Elasticsearch writer is closing; the bulk of "
                        + original.numberOfActions() + " documents comes again from Kafka"));
            }
        }

        /** Sends what is left; {@code failures} counts the tries in a row that Elasticsearch could not take. */
        void next(List<Item> items, int failures) {
            if (aborted) {
                fail();
                return;
            }
            if (items.isEmpty()) {
                if (!answered.compareAndSet(false, true)) {
                    return;
                }
                inFlight.remove(this);
                metrics.waiting(false);
                if (waited) {
                    log.info("Elasticsearch took a bulk of {} documents after {} s", original.numberOfActions(),
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos));
                }
                listener.onResponse(JsonBulk.successes(original));
                return;
            }
            if (!templatesInstalled) {
                try {
                    templates.install();
                    templatesInstalled = true;
                } catch (Exception e) {
                    unavailable("installing the index templates failed: " + describe(e), items, failures);
                    return;
                }
            }
            BulkRequest bulk = new BulkRequest();
            bulk.timeout(original.timeout());
            items.forEach(i -> bulk.add(i.request));
            transport.send(bulk, new ActionListener<>() {
                @Override
                public void onResponse(BulkResponse response) {
                    run(() -> settle(items, response, failures));
                }

                @Override
                public void onFailure(Exception e) {
                    run(() -> unavailable(describe(e), items, failures));
                }
            });
        }

        private void unavailable(String why, List<Item> items, int failures) {
            waited = true;
            metrics.waiting(true);
            metrics.retried(items.size());
            if (outageLog.allow()) {
                long quiet = outageLog.suppressedSinceLast();
                log.warn("Elasticsearch cannot take a bulk of {} documents ({}); retrying with backoff until it"
                                + " can, the job's Kafka lag grows meanwhile{}", items.size(), why,
                        quiet > 0 ? " (" + quiet + " more failed tries since the last line)" : "");
            }
            later(() -> next(items, failures + 1), backoffMillis(failures));
        }

        private void settle(List<Item> items, BulkResponse response, int failures) {
            BulkItemResponse[] answers = response.getItems();
            if (answers.length != items.size()) {
                unavailable("its answer has " + answers.length + " items for " + items.size() + " documents",
                        items, failures);
                return;
            }
            List<Item> again = new ArrayList<>();
            List<Item> busy = new ArrayList<>();
            List<DeadLetter> letters = new ArrayList<>();
            int asText = 0;
            int conflicts = 0;
            for (int i = 0; i < answers.length; i++) {
                BulkItemResponse a = answers[i];
                Item item = items.get(i);
                if (!a.isFailed()) {
                    asText += item.safe ? 1 : 0;
                    continue;
                }
                int status = a.getFailure().getStatus().getStatus();
                String message = a.getFailureMessage();
                if (status == 409) {
                    conflicts++;
                } else if (status == 429 || status >= 500) {
                    busy.add(item);
                } else if (!item.safe && item.request instanceof IndexRequest r) {
                    again.add(new Item(safeForm(r, status, message), true, status + " " + message));
                } else {
                    letters.add(deadLetter(item, status, message));
                }
            }
            metrics.storedAsText(asText);
            metrics.conflicts(conflicts);
            if (!letters.isEmpty()) {
                try {
                    deadLetters.write(letters);
                    metrics.deadLettered(letters.size());
                    for (DeadLetter d : letters) {
                        log.warn("Elasticsearch refused document {} for {} twice ({}, then its text form: {} {});"
                                        + " it is on the dead-letter topic", d.id(), d.index(), d.errorMessage(),
                                d.status(), d.errorType());
                    }
                } catch (Exception e) {
                    // Kafka is down too: keep them and try again, like any other unsettled document.
                    if (outageLog.allow()) {
                        log.warn("writing {} dead letters failed ({}); retrying", letters.size(), describe(e));
                    }
                    later(() -> settleDeadLetters(letters, again, busy, failures), backoffMillis(failures));
                    return;
                }
            }
            continueWith(again, busy, failures);
        }

        private void settleDeadLetters(List<DeadLetter> letters, List<Item> again, List<Item> busy, int failures) {
            try {
                deadLetters.write(letters);
                metrics.deadLettered(letters.size());
            } catch (Exception e) {
                later(() -> settleDeadLetters(letters, again, busy, failures + 1), backoffMillis(failures + 1));
                return;
            }
            continueWith(again, busy, failures);
        }

        private void continueWith(List<Item> again, List<Item> busy, int failures) {
            if (busy.isEmpty()) {
                next(again, 0);
                return;
            }
            List<Item> rest = new ArrayList<>(again);
            rest.addAll(busy);
            unavailable(busy.size() + " documents answered 429 or 5xx", rest, failures);
        }
    }

    private IndexRequest safeForm(IndexRequest r, int status, String message) {
        byte[] source = BytesReference.toBytes(r.source());
        return new IndexRequest(r.index()).id(r.id())
                .source(SafeForm.of(source, r.id(), status + " " + message, System.currentTimeMillis()), XContentType.JSON);
    }

    /** The dead letter of an item whose safe form was refused: the original document, both refusals. */
    private static DeadLetter deadLetter(Item item, int status, String message) {
        String index = item.request.index();
        String id = item.request.id();
        byte[] document = null;
        if (item.request instanceof IndexRequest r) {
            byte[] sent = BytesReference.toBytes(r.source());
            document = item.safe ? originalOf(sent) : sent;
        }
        String type = null;
        Matcher m = ES_TYPE.matcher(message == null ? "" : message);
        if (m.find()) {
            type = m.group(1);
        }
        String text = item.firstRefusal == null ? message : message + " (the document itself: " + item.firstRefusal + ")";
        return new DeadLetter(DeadLetter.Reason.REFUSED, index, id, status, type, text, null, document);
    }

    /** The original document kept in a safe form. */
    private static byte[] originalOf(byte[] safeForm) {
        try {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(safeForm).get("original");
            return node == null ? safeForm : node.asText().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return safeForm;
        }
    }

    private static String describe(Exception e) {
        if (e instanceof ResponseException r) {
            return "HTTP " + r.getResponse().getStatusLine().getStatusCode();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
