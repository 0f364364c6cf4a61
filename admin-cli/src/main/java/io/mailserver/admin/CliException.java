package io.mailserver.admin;

/** An error mailctl reports as one line on stderr and an exit code; commands throw it for problems they detect. */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public static CliException usage(String message) {
        return new CliException(ExitCode.USAGE, message);
    }

    public static CliException notFound(String message) {
        return new CliException(ExitCode.NOT_FOUND, message);
    }

    public static CliException conflict(String message) {
        return new CliException(ExitCode.CONFLICT, message);
    }
}
