package io.mailserver.store;

/**
 * A delivery committed, but it could neither be confirmed on disk nor withdrawn again: the message is
 * stored and visible, yet may not survive a power cut. Unlike any other {@link StoreException} from
 * {@link Delivery#commit()}, "nothing was stored" does not hold, so a temporary failure reply would make
 * the client send a second copy; the caller should give no answer at all (see docs/store.md).
 */
public class UncertainCommitException extends StoreException {
    private static final long serialVersionUID = 1L;

    public UncertainCommitException(String message, Throwable cause) {
        super(message, cause);
    }
}
