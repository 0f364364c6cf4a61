package io.mailserver.relay.client;

/** What became of one recipient in one transaction. {@code reply} is the remote reply on one line, or our own reason. */
public record RecipientOutcome(String recipient, Result result, String status, String reply) {
    public enum Result { DELIVERED, DEFERRED, FAILED }

    static RecipientOutcome of(String recipient, PeerReply reply) {
        Result r;
        if (reply.code() == 250 || reply.code() == 251) {
            r = Result.DELIVERED;
        } else if (reply.isPermanent()) {
            r = Result.FAILED;
        } else {
            r = Result.DEFERRED;
        }
        return new RecipientOutcome(recipient, r, reply.status(), reply.oneLine());
    }

    static RecipientOutcome deferred(String recipient, String status, String reason) {
        return new RecipientOutcome(recipient, Result.DEFERRED, status, reason);
    }

    static RecipientOutcome failed(String recipient, String status, String reason) {
        return new RecipientOutcome(recipient, Result.FAILED, status, reason);
    }
}
