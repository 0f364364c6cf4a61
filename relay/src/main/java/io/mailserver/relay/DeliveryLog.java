package io.mailserver.relay;

import io.mailserver.store.MailMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per recipient per attempt, in the shape postmasters grep Postfix logs for:
 * {@code 4HX2K9AB3C7Q: id=17, to=<bob@remote.test>, relay=mx.remote.test[192.0.2.1]:25, delay=3.2, attempt=1, dsn=2.0.0, status=sent (250 2.0.0 Ok)}.
 */
final class DeliveryLog {
    static final Logger LOG = LoggerFactory.getLogger("io.mailserver.relay.delivery");

    enum Status { SENT, DEFERRED, BOUNCED }

    private DeliveryLog() {
    }

    static String line(String queueId, long rowId, String recipient, String relay, Instant queuedAt, Instant now, int attempt, String dsn,
                       Status status, String reply) {
        double delay = Duration.between(queuedAt, now).toMillis() / 1000.0;
        return String.format(Locale.ROOT, "%s: id=%d, to=<%s>, relay=%s, delay=%.1f, attempt=%d, dsn=%s, status=%s (%s)", queueId, rowId, recipient,
                relay, Math.max(0, delay), attempt, dsn, status.name().toLowerCase(Locale.ROOT), reply);
    }

    static void log(String queueId, long rowId, String recipient, String relay, Instant queuedAt, Instant now, int attempt, String dsn,
                    Status status, String reply) {
        MailMetrics.deliveryAttempt(status.name().toLowerCase(java.util.Locale.ROOT));
        String line = line(queueId, rowId, recipient, relay, queuedAt, now, attempt, dsn, status, reply);
        if (status == Status.SENT) {
            LOG.info(line);
        } else {
            LOG.warn(line);
        }
    }
}
