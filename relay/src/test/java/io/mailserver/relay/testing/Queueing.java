package io.mailserver.relay.testing;

import io.mailserver.store.Delivery;
import io.mailserver.store.MailStore;
import io.mailserver.store.QueueEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Puts messages into the outbound queue as SMTP would, and waits for conditions. */
public final class Queueing {
    private Queueing() {
    }

    public static String message(String subject) {
        return "From: <sender@local.test>\r\nTo: <someone@remote.test>\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.hashCode() + "@local.test>\r\n\r\n"
                + "Hello.\r\n.A line with a leading dot.\r\n";
    }

    /** Queues one message for remote recipients; returns the message id. */
    public static long enqueue(MailStore store, String sender, String queueId, String content, String... recipients) {
        try (Delivery d = store.messages().begin(sender, queueId)) {
            d.content().write(content.getBytes(StandardCharsets.UTF_8));
            for (String r : recipients) {
                d.addRemoteRecipient(r);
            }
            return d.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<QueueEntry> rows(MailStore store) {
        return store.queue().list();
    }

    public static void await(Duration max, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }
}
