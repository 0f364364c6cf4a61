package io.mailserver.server;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands unused heap back to the system once the server has gone quiet. The Serial collector that
 * bin/mailserver chooses keeps the heap small under load, but returns memory only in a full collection,
 * which an idle server never has: after a burst (a 50 MB message, a flood) the heap would stay at its peak.
 * So when no collection at all has run for one {@link #PERIOD}, this runs one full collection
 * ({@code System.gc()}), and no other until the heap has been in use again. G1 has the same built in
 * ({@code -XX:G1PeriodicGCInterval}): under G1 this does nothing.
 */
final class IdleCollector implements AutoCloseable {
    static final Duration PERIOD = Duration.ofSeconds(15);
    private static final Logger log = LoggerFactory.getLogger(IdleCollector.class);

    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final ScheduledExecutorService timer;
    private long lastCount = -1;
    private boolean collectedWhileQuiet;

    private IdleCollector(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Starts the check every {@link #PERIOD}, unless the JVM runs G1 (which has its own periodic collection). */
    static IdleCollector start() {
        boolean g1 = ManagementFactory.getGarbageCollectorMXBeans().stream().anyMatch(c -> c.getName().startsWith("G1 "));
        if (g1) {
            return new IdleCollector(null);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "idle-collector");
            t.setDaemon(true);
            return t;
        });
        IdleCollector collector = new IdleCollector(timer);
        timer.scheduleWithFixedDelay(collector::check, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
        return collector;
    }

    private void check() {
        long count = collections();
        if (count != lastCount) {
            collectedWhileQuiet = false; // the heap was in use since the last check
        } else if (!collectedWhileQuiet) {
            long before = Runtime.getRuntime().totalMemory();
            System.gc();
            collectedWhileQuiet = true;
            log.debug("quiet for {} s: heap {} MiB -> {} MiB committed", PERIOD.toSeconds(), before >> 20,
                    Runtime.getRuntime().totalMemory() >> 20);
            count = collections();
        }
        lastCount = count;
    }

    private long collections() {
        long n = 0;
        for (GarbageCollectorMXBean c : collectors) {
            n += Math.max(0, c.getCollectionCount());
        }
        return n;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
