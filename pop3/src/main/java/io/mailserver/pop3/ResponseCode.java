package io.mailserver.pop3;

/**
 * Extended response codes, sent in brackets right after {@code -ERR} (RFC 2449 section 8, RESP-CODES).
 * They let a client tell a wrong password from a busy maildrop or an outage.
 */
public enum ResponseCode {
    /** RFC 3206 section 5: the credentials were refused (wrong user, wrong password, disabled, throttled). */
    AUTH("AUTH"),
    /** RFC 2449 section 8.1.1: the maildrop is locked by another session. */
    IN_USE("IN-USE"),
    /** RFC 3206 section 4: a temporary problem on our side (database down); trying later may work. */
    SYS_TEMP("SYS/TEMP"),
    /** RFC 3206 section 4: a permanent problem on our side; retrying will not help. */
    SYS_PERM("SYS/PERM");

    private final String text;

    ResponseCode(String text) {
        this.text = text;
    }

    /** The code as it appears on the wire, with brackets. */
    public String bracketed() {
        return "[" + text + "]";
    }
}
