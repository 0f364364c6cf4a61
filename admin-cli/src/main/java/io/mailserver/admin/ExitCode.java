package io.mailserver.admin;

/**
 * mailctl's exit codes, documented in docs/mailctl.md. Scripts rely on them: never renumber, only add.
 * 0-3 follow the convention mox and maddy use.
 */
public final class ExitCode {
    private ExitCode() {
    }

    public static final int OK = 0;
    /** Bad command line or bad input: unknown option, malformed address or domain, password problems. */
    public static final int USAGE = 1;
    /** The domain, user or alias named does not exist (or the domain is not local). */
    public static final int NOT_FOUND = 2;
    /** The change conflicts with what is stored: a duplicate, a domain still in use, an alias loop. */
    public static final int CONFLICT = 3;
    /** The store cannot be opened or failed: database unreachable, disk full. */
    public static final int STORE_UNAVAILABLE = 4;
    /** The configuration file or a MAILSERVER_* environment variable is invalid. */
    public static final int CONFIG = 5;
    /** A check found a problem: {@code dns check} (a record missing, wrong or not looked up), {@code status} (a listener down, the store unreachable). */
    public static final int CHECK_FAILED = 6;
    /** A bug in mailctl or the store (sysexits EX_SOFTWARE). */
    public static final int INTERNAL = 70;
}
