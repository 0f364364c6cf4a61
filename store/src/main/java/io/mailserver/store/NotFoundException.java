package io.mailserver.store;

/** The domain, user, alias or queue entry named does not exist. */
public class NotFoundException extends StoreException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
