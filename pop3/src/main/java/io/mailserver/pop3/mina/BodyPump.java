package io.mailserver.pop3.mina;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.session.IoSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.pop3.MessageBody;

/**
 * Sends a RETR or TOP reply in chunks with backpressure and constant heap (docs/design.md, contracts 4 and 5).
 *
 * <p>Why not MINA's {@code StreamWriteFilter}: it reads the next chunk on {@code messageSent}, often on
 * an I/O processor thread, and our stream reads the database. Here every read happens on a handler or
 * worker thread: chunks are written while fewer than a high-water mark of our bytes are unsent; past
 * it, the future of an earlier chunk (the one after which at most the low-water mark is left unsent)
 * hands the next read back to the worker pool. Resuming while half the data is still queued lets the
 * next store read overlap with sending, so the socket does not run dry at each refill.
 *
 * <p>"Unsent" is counted from our own write futures, not from {@code IoSession.getScheduledWriteBytes()}.
 * Under TLS that counter sees only what MINA's {@code SslFilter} has already encrypted and passed on: the
 * filter encrypts while fewer than 6 records wait to be sent and parks every later write in a queue of
 * its own, which the counter never sees and which holds 64 writes at most; the 65th fails with a
 * {@code BufferOverflowException}. A pump steered by the counter never paused under TLS, and a client
 * that read fast enough for the store to get 64 chunks (4 MiB) ahead of the socket lost its connection
 * part-way through. A chunk's write future completes only when its last encrypted record has been sent,
 * so the futures count the filter's queue too.
 *
 * <p>The {@code +OK} line goes into the first chunk and the terminator into the last, so a small message
 * leaves in one write (a reply split in pieces waits for the client's delayed ACK).
 */
final class BodyPump {
    private static final Logger log = LoggerFactory.getLogger(BodyPump.class);

    static final int CHUNK = 64 * 1024;
    /**
     * Unsent bytes of ours above which we wait for the client to read. So at most 17 chunks are ever
     * handed over and unsent: keep that well below the 64 writes MINA's TLS filter can park
     * (SSLHandlerG1.MAX_QUEUED_MESSAGES in MINA 2.2), or a write under TLS fails.
     */
    static final long HIGH_WATER = 16L * CHUNK;
    /** Reading resumes once no more than this many of our bytes are left unsent. */
    static final long LOW_WATER = HIGH_WATER / 2;

    /** A chunk handed to MINA and not yet known to be sent, with the reply offset where it ends. */
    private record InFlight(WriteFuture future, long end) {
    }

    private final IoSession io;
    private final MessageBody body;
    private final Executor worker;
    private final Runnable onFinished;
    private byte[] status;
    private final Deque<InFlight> inFlight = new ArrayDeque<>();
    /** Bytes of this reply handed to MINA so far. */
    private long handedOver;
    /** Bytes of this reply known to be sent: the end of the last chunk whose write future completed. */
    private long sent;

    BodyPump(IoSession io, String statusLine, MessageBody body, Executor worker, Runnable onFinished) {
        this.io = io;
        this.status = statusLine.getBytes(StandardCharsets.US_ASCII);
        this.body = body;
        this.worker = worker;
        this.onFinished = onFinished;
    }

    /**
     * Writes chunks until the body ends or the queue is full.
     * @return true when the reply is complete (or abandoned); false when a write future will resume it
     *         and call {@code onFinished} at the end
     */
    synchronized boolean run() {
        try {
            while (true) {
                if (io.isClosing() || !io.isConnected()) {
                    body.close();
                    return true;
                }
                IoBuffer chunk = nextChunk();
                boolean last = body.isFinished();
                handedOver += chunk.remaining();
                WriteFuture written = io.write(chunk);
                if (last) {
                    body.close();
                    return true;
                }
                inFlight.addLast(new InFlight(written, handedOver));
                WriteFuture failed = forgetSent();
                if (failed != null) {
                    return abandon("a chunk could not be written", failed.getException());
                }
                if (handedOver - sent > HIGH_WATER) {
                    // the next read happens when the client has taken some of it, on a worker, not here
                    InFlight mark = lowWaterMark();
                    mark.future().addListener(f -> resumeOnWorker(mark));
                    return false;
                }
            }
        } catch (IOException | RuntimeException e) {
            return abandon("message stream failed", e);
        }
    }

    /**
     * The connection closed: MINA never completes the futures of writes its TLS filter still held, so a
     * pump waiting for one would keep the stored message open; close it here.
     */
    synchronized void connectionClosed() {
        body.close();
    }

    /** The +OK is already out: the only honest signal left is to close the connection. */
    private boolean abandon(String why, Throwable cause) {
        if (io.isClosing()) {
            log.debug("pop3 {}, connection already closing: {}", why, String.valueOf(cause));
        } else {
            log.warn("pop3 {}, closing connection: {}", why, String.valueOf(cause));
        }
        body.close();
        io.closeNow();
        return true;
    }

    /**
     * Drops chunks already sent (writes complete in order), so the list stays as short as the queue, and
     * advances {@link #sent}. Returns the future of a write that failed, or null.
     */
    private WriteFuture forgetSent() {
        while (!inFlight.isEmpty() && inFlight.peekFirst().future().isDone()) {
            InFlight done = inFlight.pollFirst();
            if (!done.future().isWritten()) {
                return done.future();
            }
            sent = done.end();
        }
        return null;
    }

    /** The earliest chunk after whose sending at most {@link #LOW_WATER} bytes of ours stay unsent. */
    private InFlight lowWaterMark() {
        while (inFlight.size() > 1 && inFlight.peekFirst().end() < handedOver - LOW_WATER) {
            inFlight.pollFirst();
        }
        return inFlight.pollFirst();
    }

    private void resumeOnWorker(InFlight mark) {
        try {
            worker.execute(() -> resume(mark));
        } catch (RejectedExecutionException e) {
            // shutting down: give up on this reply
            body.close();
            io.closeNow();
        }
    }

    private void resume(InFlight mark) {
        Mdc.run(io, () -> {
            if (continueAfter(mark)) {
                onFinished.run();
            }
        });
    }

    private synchronized boolean continueAfter(InFlight mark) {
        if (!mark.future().isWritten()) {
            return abandon("a chunk could not be written", mark.future().getException());
        }
        sent = Math.max(sent, mark.end()); // writes complete in order: everything up to the mark is out
        return run();
    }

    private IoBuffer nextChunk() throws IOException {
        IoBuffer buf = IoBuffer.allocate(CHUNK, false);
        byte[] a = buf.array();
        int base = buf.arrayOffset();
        int pos = 0;
        if (status != null) {
            System.arraycopy(status, 0, a, base, status.length);
            pos = status.length;
            status = null;
        }
        int n;
        // MessageBody needs room for two bytes (a stuffed dot and its line's first byte)
        while (CHUNK - pos >= 2 && (n = body.read(a, base + pos, CHUNK - pos)) >= 0) {
            pos += n;
        }
        buf.position(0);
        buf.limit(pos);
        return buf;
    }
}
