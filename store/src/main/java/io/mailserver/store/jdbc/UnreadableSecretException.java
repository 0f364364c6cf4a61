package io.mailserver.store.jdbc;

import io.mailserver.store.StoreException;
import java.nio.file.Path;

/**
 * The embedded database's password file exists but this process may not read it: it runs as another
 * OS user than the one that owns the data directory (the server's user).
 */
public final class UnreadableSecretException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    UnreadableSecretException(Path file, Throwable cause) {
        super("cannot read " + file + ": permission denied; run as the user that owns the data directory", cause);
        this.file = file;
    }

    /** The password file, {@code <data-dir>/db.secret}. */
    public Path file() {
        return file;
    }
}
