package io.mailserver.mta.smtp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.mailserver.mta.smtp.check.CheckResult;

/**
 * What the adapter must do after one input: send these replies (in order, each whole), optionally after
 * a delay (error tarpit), and optionally close the connection once they are flushed. With {@code startTls}
 * the single reply is STARTTLS's 220: the adapter sends it in plaintext and switches the connection to TLS
 * (RFC 3207 4), dropping whatever the client sent after the command.
 */
public record Outcome(List<SmtpReply> replies, boolean close, Duration delay, boolean startTls) {
    public static final Outcome NOTHING = new Outcome(List.of(), false, Duration.ZERO);

    public Outcome {
        replies = List.copyOf(replies);
    }

    public Outcome(List<SmtpReply> replies, boolean close, Duration delay) {
        this(replies, close, delay, false);
    }

    /** Send {@code ready} (a 220) in plaintext, then start the TLS handshake. */
    public static Outcome startTls(SmtpReply ready) {
        return new Outcome(List.of(ready), false, Duration.ZERO, true);
    }

    public static Outcome reply(SmtpReply reply) {
        return new Outcome(List.of(reply), false, Duration.ZERO);
    }

    public static Outcome replyAndClose(SmtpReply reply) {
        return new Outcome(List.of(reply), true, Duration.ZERO);
    }

    /** A check's refusal: its reply, and a close when it says disconnect. */
    public static Outcome refusal(CheckResult refused) {
        return new Outcome(List.of(refused.reply()), refused.closes(), Duration.ZERO);
    }

    /** Close the connection and send nothing (when no reply would be true). */
    public static Outcome closeWithoutReply() {
        return new Outcome(List.of(), true, Duration.ZERO);
    }

    /** This outcome with one more reply after the others, closing afterwards if {@code close}. */
    public Outcome then(SmtpReply reply, boolean closeAfter) {
        List<SmtpReply> more = new ArrayList<>(replies);
        more.add(reply);
        return new Outcome(more, close || closeAfter, delay, startTls);
    }

    public Outcome delayed(Duration by) {
        return new Outcome(replies, close, by, startTls);
    }

    /** The first reply, or null. */
    public SmtpReply first() {
        return replies.isEmpty() ? null : replies.get(0);
    }

    /** All replies as they go on the wire, concatenated: one buffer, one write. */
    public String wire() {
        StringBuilder sb = new StringBuilder();
        for (SmtpReply r : replies) {
            sb.append(r.toWire());
        }
        return sb.toString();
    }
}
