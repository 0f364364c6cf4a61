package io.mailserver.pop3;

/** The three states of a POP3 session (RFC 1939 section 3). */
public enum Pop3State {
    /** Before login: USER, PASS, AUTH, CAPA, QUIT (and STLS once TLS exists). */
    AUTHORIZATION,
    /** Logged in, maildrop locked and snapshotted. */
    TRANSACTION,
    /** After QUIT from TRANSACTION: marked messages are removed, the lock released, the connection closed. */
    UPDATE
}
