package io.mailserver.store;

/** The operation conflicts with what is stored: a duplicate, or a domain that still has users. */
public class ConflictException extends StoreException {
    private static final long serialVersionUID = 1L;

    public ConflictException(String message) {
        super(message);
    }
}
