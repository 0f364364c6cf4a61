package io.mailserver.mailauth.dkim;

/**
 * A signature or key record this package cannot use: the result it leads to and why. Never leaves the
 * package; the verifier turns it into a {@link DkimResult}.
 */
final class DkimException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final DkimResult.Result result;

    /** A malformed DKIM-Signature field: neutral (RFC 8601 2.7.1, "contained syntax errors"). */
    DkimException(String reason) {
        this(DkimResult.Result.NEUTRAL, reason);
    }

    DkimException(DkimResult.Result result, String reason) {
        super(reason, null, false, false);
        this.result = result;
    }
}
