package io.mailserver.mta.smtp;

/** A command argument the parser refuses, with the reply to send (501/553/555 with an enhanced code). */
public final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient SmtpReply reply;

    public SyntaxException(SmtpReply reply) {
        super(reply.summary(), null, false, false);
        this.reply = reply;
    }

    public SmtpReply reply() {
        return reply;
    }
}
