package io.mailserver.store;

/** A store operation failed for a reason the caller can report (database down, disk full, constraint). */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
