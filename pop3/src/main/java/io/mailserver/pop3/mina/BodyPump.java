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
 * Sends a RETR or TOP reply in chunks with backpressure and constant heap (DESIGN.md contracts 4 and 5).
 *
 * <p>Why not MINA's {@code StreamWriteFilter}: it reads the next chunk on {@code messageSent}, often on
 * an I/O processor thread, and our stream reads the database. Here every read happens on a handler or
 * worker thread: chunks are written while the session's queued bytes stay under a high-water mark; past
 * it, the future of an earlier chunk (the one after which at most the low-water mark is left queued)
 * hands the next read back to the worker pool. Resuming while half the data is still queued lets the
 * next store read overlap with sending, so the socket does not run dry at each refill.
 *
 * <p>The {@code +OK} line goes into the first chunk and the terminator into the last, so a small message
 * leaves in one write (a reply split in pieces waits for the client's delayed ACK).
 */
final class BodyPump {
    private static final Logger log = LoggerFactory.getLogger(BodyPump.class);

    static final int CHUNK = 64 * 1024;
    /** Queued-but-unsent bytes above which we wait for the client to read. */
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
    boolean run() {
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
                forgetSent();
                inFlight.addLast(new InFlight(written, handedOver));
                if (io.getScheduledWriteBytes() > HIGH_WATER) {
                    // the next read happens when the client has taken some of it, on a worker, not here
                    lowWaterMark().addListener(f -> resumeOnWorker());
                    return false;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the +OK is already out: the only honest signal left is to close the connection
            log.warn("pop3 message stream failed, closing connection: {}", e.toString());
            body.close();
            io.closeNow();
            return true;
        }
    }

    /** Drops chunks already sent, so the list stays as short as the queue (constant heap for any size). */
    private void forgetSent() {
        while (!inFlight.isEmpty() && inFlight.peekFirst().future().isDone()) {
            inFlight.pollFirst();
        }
    }

    /**
     * The future of the earliest chunk after whose sending at most {@link #LOW_WATER} bytes of ours stay
     * queued (writes complete in order).
     */
    private WriteFuture lowWaterMark() {
        while (inFlight.size() > 1 && inFlight.peekFirst().end() < handedOver - LOW_WATER) {
            inFlight.pollFirst();
        }
        return inFlight.pollFirst().future();
    }

    private void resumeOnWorker() {
        try {
            worker.execute(this::resume);
        } catch (RejectedExecutionException e) {
            // shutting down: give up on this reply
            body.close();
            io.closeNow();
        }
    }

    private void resume() {
        Mdc.run(io, () -> {
            if (run()) {
                onFinished.run();
            }
        });
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
