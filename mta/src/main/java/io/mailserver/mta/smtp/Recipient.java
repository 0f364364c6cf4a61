package io.mailserver.mta.smtp;

/**
 * A recipient as RCPT TO named it, and where it leads. The directory is read when a check first asks (and
 * once only), so a user or alias added with mailctl counts for the very next RCPT.
 */
public final class Recipient {
    /** Where an address leads. */
    public enum Placement {
        /** A mailbox here: a user, an alias (its outside members included) or the postmaster rule's choice. */
        LOCAL,
        /** An address of another domain: relayed, if the client may relay. */
        REMOTE,
        /** An address of a local domain with no mailbox. */
        UNKNOWN,
        /** {@code postmaster@} a local domain that has no user to take its mail yet. */
        NO_POSTMASTER
    }

    private final ForwardPath path;
    private final RecipientResolver resolver;
    private RecipientResolver.Fate fate;

    Recipient(ForwardPath path, RecipientResolver resolver) {
        this.path = path;
        this.resolver = resolver;
    }

    /** Already placed (the check tables use it). */
    Recipient(ForwardPath path, RecipientResolver.Fate fate) {
        this(path, (RecipientResolver) null);
        this.fate = fate;
    }

    public ForwardPath path() {
        return path;
    }

    public Placement placement() {
        return fate().placement();
    }

    /** The mailboxes and queue rows this recipient stands for; null when it leads nowhere. */
    AcceptedRecipient accepted() {
        return fate().accepted();
    }

    private RecipientResolver.Fate fate() {
        if (fate == null) {
            fate = resolver.resolve(path);
        }
        return fate;
    }
}
