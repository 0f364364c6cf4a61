package io.mailserver.admin;

import io.mailserver.config.ConfigException;
import io.mailserver.store.ConflictException;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.StoreException;

/**
 * Turns any failure into the one line and exit code mailctl reports. No stack trace ever reaches the
 * operator: the message of the exception is meant for them (store and config messages name the thing).
 */
public record ErrorReport(int exitCode, String message) {

    public static ErrorReport of(Throwable t) {
        if (t instanceof CliException e) {
            return new ErrorReport(e.exitCode(), e.getMessage());
        }
        if (t instanceof NotFoundException) {
            return new ErrorReport(ExitCode.NOT_FOUND, text(t));
        }
        if (t instanceof ConflictException) {
            return new ErrorReport(ExitCode.CONFLICT, text(t));
        }
        if (t instanceof StoreException) {
            return new ErrorReport(ExitCode.STORE_UNAVAILABLE, "store: " + text(t));
        }
        if (t instanceof ConfigException) {
            return new ErrorReport(ExitCode.CONFIG, text(t));
        }
        if (t instanceof IllegalArgumentException) {
            // the store and MailAddress use it for input they refuse
            return new ErrorReport(ExitCode.USAGE, text(t));
        }
        return new ErrorReport(ExitCode.INTERNAL, "internal error: " + t.getClass().getSimpleName() + ": " + text(t));
    }

    /** The exception's message on one line, with the root cause's when they differ (e.g. a JDBC connect error). */
    private static String text(Throwable t) {
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != t && root.getMessage() != null && !message.contains(root.getMessage())) {
            message = message + ": " + root.getMessage();
        }
        return oneLine(message);
    }

    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    /** The line printed on stderr. */
    public String line() {
        return "mailctl: " + message;
    }
}
