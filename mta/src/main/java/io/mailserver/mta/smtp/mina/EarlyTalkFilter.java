package io.mailserver.mta.smtp.mina;

import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;

import io.mailserver.session.Line;

/**
 * Spots clients that talk before the greeting (RFC 5321 3.1 and 4.3.1: the client waits for the 220;
 * spam bots often do not). It runs on the I/O thread as each line is decoded, so the test is exact:
 * a line decoded before the greeting was written to the socket was sent before the client could have
 * read it. (A write-future listener would not do: it may be attached only after the future completed,
 * and run on the handler thread later than the I/O thread reads the client's answer.) The handler then refuses the session (Postfix postscreen's pregreet test). With
 * {@code smtp.greet-pause} the greeting waits, which gives impatient clients time to give themselves away.
 */
final class EarlyTalkFilter extends IoFilterAdapter {
    static final AttributeKey GREETING_SENT = new AttributeKey(EarlyTalkFilter.class, "greetingSent");
    static final AttributeKey EARLY_TALKER = new AttributeKey(EarlyTalkFilter.class, "earlyTalker");

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        if (message instanceof Line && !session.containsAttribute(GREETING_SENT)) {
            session.setAttribute(EARLY_TALKER, Boolean.TRUE);
        }
        next.messageReceived(session, message);
    }

    /**
     * The greeting is the session's first write; its messageSent is fired on the I/O thread right after
     * the bytes went to the socket, before that thread reads anything more from this client.
     */
    @Override
    public void messageSent(NextFilter next, IoSession session, WriteRequest request) throws Exception {
        if (!session.containsAttribute(GREETING_SENT)) {
            session.setAttribute(GREETING_SENT, Boolean.TRUE);
        }
        next.messageSent(session, request);
    }
}
