package io.mailserver.store;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Every metric the server counts, named in one place. They go to Micrometer's global registry, where they cost
 * next to nothing until the server adds a registry to it ({@code /metrics} of the web listener, Prometheus text
 * format); tests and mailctl add none.
 */
public final class MailMetrics {
    private MailMetrics() {}

    /** A login of SMTP AUTH or POP3: {@code success}, {@code failed}, {@code throttled}, {@code unavailable}. */
    public static void login(String protocol, String outcome) {
        Metrics.counter("mail_logins", "protocol", protocol, "outcome", outcome).increment();
    }

    /** An SMTP transaction at its end of data: {@code accepted}, {@code rejected}, {@code tempfail}. */
    public static void smtpTransaction(String listener, String outcome) {
        Metrics.counter("smtp_transactions", "listener", listener, "outcome", outcome).increment();
    }

    /** A message stored by SMTP, and its size. */
    public static void messageAccepted(String listener, long bytes) {
        Metrics.counter("smtp_messages_accepted", "listener", listener).increment();
        Metrics.counter("smtp_message_bytes_accepted", "listener", listener).increment(bytes);
    }

    /** A recipient refused at RCPT; {@code reason} is the reply's enhanced status code (RFC 3463). */
    public static void recipientRejected(String reason) {
        Metrics.counter("smtp_recipients_rejected", "reason", reason).increment();
    }

    /** One outbound delivery attempt's outcome for one recipient: {@code sent}, {@code deferred}, {@code bounced}. */
    public static void deliveryAttempt(String outcome) {
        Metrics.counter("outbound_delivery_attempts", "outcome", outcome).increment();
    }

    /** One group commit: how many commits one disk sync covered, and how long the sync took. */
    public static void groupCommit(int batchSize, Duration sync) {
        DistributionSummary.builder("store_group_commit_batch_size").publishPercentileHistogram()
                .register(Metrics.globalRegistry).record(batchSize);
        Timer.builder("store_sync").publishPercentileHistogram().register(Metrics.globalRegistry).record(sync);
    }
}
