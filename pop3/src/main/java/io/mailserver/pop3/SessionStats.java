package io.mailserver.pop3;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What one session did, for the one log line at its end (in the spirit of Dovecot's
 * {@code pop3_logout_format}: {@code top=count/bytes, retr=count/bytes, del=deleted/messages, size=octets}).
 * Byte counts are what was actually written for RETR and TOP bodies; they are updated from the thread
 * that streams them, hence atomics.
 */
public final class SessionStats {
    final AtomicLong topCount = new AtomicLong();
    final AtomicLong topBytes = new AtomicLong();
    final AtomicLong retrCount = new AtomicLong();
    final AtomicLong retrBytes = new AtomicLong();
    volatile int deleted;
    volatile int messagesAtLogin;
    volatile long sizeAtLogin;

    public String summary() {
        return "top=" + topCount.get() + "/" + topBytes.get()
                + ", retr=" + retrCount.get() + "/" + retrBytes.get()
                + ", del=" + deleted + "/" + messagesAtLogin
                + ", size=" + sizeAtLogin;
    }
}
