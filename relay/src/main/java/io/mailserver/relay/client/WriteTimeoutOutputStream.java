package io.mailserver.relay.client;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A socket write that blocks longer than the timeout closes the socket. Blocking sockets have no
 * write timeout, and a peer that stops reading would otherwise hold a delivery thread forever
 * (RFC 5321 4.5.3.2.5: data block, 3 minutes).
 */
final class WriteTimeoutOutputStream extends FilterOutputStream {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "smtp-client-write-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Socket socket;
    private volatile Duration timeout;
    private volatile boolean timedOut;

    WriteTimeoutOutputStream(OutputStream out, Socket socket, Duration timeout) {
        super(out);
        this.socket = socket;
        this.timeout = timeout;
    }

    void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    boolean timedOut() {
        return timedOut;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ScheduledFuture<?> alarm = arm();
        try {
            out.write(b, off, len);
        } finally {
            alarm.cancel(false);
        }
    }

    @Override
    public void flush() throws IOException {
        ScheduledFuture<?> alarm = arm();
        try {
            out.flush();
        } finally {
            alarm.cancel(false);
        }
    }

    private ScheduledFuture<?> arm() {
        return WATCHDOG.schedule(() -> {
            timedOut = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing is the whole point; nothing more to do
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
