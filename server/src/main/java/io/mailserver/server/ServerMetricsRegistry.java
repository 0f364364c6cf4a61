package io.mailserver.server;

import io.mailserver.store.QueueEntry;
import io.mailserver.store.QueueStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's Prometheus registry: added to Micrometer's global registry for the life of the server, so the
 * counters the protocol code keeps ({@code io.mailserver.store.MailMetrics}) and the listeners' and pool's gauges
 * land here; plus the JVM's memory, GC, threads and CPU, and the outbound queue by state, read from the store
 * when scraped.
 */
final class ServerMetricsRegistry implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final QueueStore queue;
    private final Clock clock;
    private final Map<QueueEntry.State, AtomicLong> rows = new EnumMap<>(QueueEntry.State.class);
    private final AtomicLong oldestWaitingSeconds = new AtomicLong();

    /** @param connections connections open now, by listener name, as the services count them */
    ServerMetricsRegistry(QueueStore queue, Clock clock, java.util.function.Supplier<Map<String, Integer>> connections) {
        this.queue = queue;
        this.clock = clock;
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        for (QueueEntry.State state : QueueEntry.State.values()) {
            AtomicLong n = new AtomicLong();
            rows.put(state, n);
            Gauge.builder("outbound_queue_rows", n, AtomicLong::get).tag("state", state.name().toLowerCase(java.util.Locale.ROOT))
                    .description("rows of the outbound queue in this state (delivered rows are kept until purged)").register(registry);
        }
        Gauge.builder("outbound_queue_oldest_waiting_seconds", oldestWaitingSeconds, AtomicLong::get)
                .description("age of the oldest row still waiting to be sent, 0 when none").register(registry);
        // per server, not on the global registry: a listener's gauge must follow this server's listeners
        for (String listener : connections.get().keySet()) {
            Gauge.builder("mail_connections", connections, c -> c.get().getOrDefault(listener, 0))
                    .tag("listener", listener).description("connections open now").register(registry);
        }
        Metrics.addRegistry(registry);
    }

    /** The Prometheus text, with the queue read from the store now. */
    String scrape() {
        QueueStore.Summary summary = queue.summary();
        rows.forEach((state, n) -> n.set(summary.rows().getOrDefault(state, 0L)));
        oldestWaitingSeconds.set(summary.oldestWaiting().map(t -> Math.max(0, clock.instant().getEpochSecond() - t.getEpochSecond())).orElse(0L));
        return registry.scrape();
    }

    @Override
    public void close() {
        Metrics.removeRegistry(registry);
        gc.close();
        registry.close();
    }
}
