package io.mailserver.pop3;

/**
 * The message a TRANSACTION command's argument names, or the reply refusing it: not a number, no such
 * message, or one marked deleted (RFC 1939 section 5).
 */
record MessageTarget(int number, Pop3Reply refusal) {

    static MessageTarget of(Pop3Session session, String argument) {
        Integer n = Arguments.messageNumber(argument);
        if (n == null) {
            return new MessageTarget(0, Pop3Reply.error("Invalid message number"));
        }
        return new MessageTarget(n, session.checkMessage(n));
    }

    boolean refused() {
        return refusal != null;
    }
}
