package io.mailserver.mta.smtp;

/**
 * The answer of a policy check, as a value rather than an exception (in the spirit of James's
 * {@code HookResult} and maddy's {@code CheckResult}): go on, refuse for good (5xx), refuse for now
 * (4xx), or refuse and close the connection.
 */
public sealed interface PolicyResult {

    /** This check has no objection; the next one decides. */
    record Accept() implements PolicyResult {
    }

    /** Permanent refusal; the reply is a 5xx. */
    record Reject(SmtpReply reply) implements PolicyResult {
        public Reject {
            if (!reply.isPermanentFailure()) {
                throw new IllegalArgumentException("a rejection needs a 5xx reply");
            }
        }
    }

    /** Temporary refusal; the reply is a 4xx. */
    record TempFail(SmtpReply reply) implements PolicyResult {
        public TempFail {
            if (!reply.isTransientFailure()) {
                throw new IllegalArgumentException("a temporary failure needs a 4xx reply");
            }
        }
    }

    /** Refuse and close the connection after the reply. */
    record Disconnect(SmtpReply reply) implements PolicyResult {
    }

    PolicyResult ACCEPT = new Accept();

    /** The reply that refuses, or null for {@link Accept}. */
    default SmtpReply refusal() {
        if (this instanceof Reject r) {
            return r.reply();
        }
        if (this instanceof TempFail t) {
            return t.reply();
        }
        if (this instanceof Disconnect d) {
            return d.reply();
        }
        return null;
    }

    static PolicyResult reject(SmtpReply reply) {
        return new Reject(reply);
    }

    static PolicyResult tempFail(SmtpReply reply) {
        return new TempFail(reply);
    }
}
