package io.mailserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import javax.net.ssl.SSLSocket;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.ProtocolCodecSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import io.mailserver.net.tls.ServerTls;
import io.mailserver.session.Line;
import io.mailserver.testkit.TestTls;

/**
 * The heap one session's input can pin, measured on a real {@link Listener} over a real socket: a handler that
 * does not keep up (blocked, as behind a slow store; or keeping every line, as behind a tarpit) while the client
 * sends 512 KiB of empty lines, bare LFs, a line without end, pipelined commands, or bare LFs inside TLS records.
 * The lines made by the decoder and not yet done with by the handler are counted on both sides of the executor,
 * at the heap each line really takes (the test's own figure, measured with a class histogram: 80 bytes per line
 * plus its array), and must stay within the high water plus two lines; afterwards every line arrives, in order,
 * exactly as an unthrottled decoder makes them.
 */
@Timeout(120)
class ReadThrottleTest {
    private static final int FRAGMENT = 2048;
    private static final int PAYLOAD = 512 * 1024;

    @TempDir
    static Path dir;

    /** What one waiting line occupies (IoFilterEvent 32, queue node 24, Line 24, array 16 + bytes, 8-aligned). */
    private static long heapOf(Line line) {
        return 80 + ((16 + line.length() + 7) & ~7L);
    }

    /** The bound: high water, plus the line that crossed it and the one in the handler's hands (each at most a fragment). */
    private static final long BOUND = Listener.READ_HIGH_WATER + 2 * (80 + 16 + FRAGMENT);

    @Test
    void emptyLinesPinAtMostTheHighWater() throws Exception {
        flood(repeat("\r\n"), false, false);
    }

    @Test
    void bareLineFeedsOneByteEachPinAtMostTheHighWater() throws Exception {
        flood(repeat("\n"), false, false);
    }

    @Test
    void aLineWithoutEndPinsAtMostTheHighWater() throws Exception {
        flood(repeat("x"), false, false);
    }

    @Test
    void pipelinedCommandsMixedWithEmptyLinesArriveInOrder() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < PAYLOAD; i++) {
            sb.append("NOOP ").append(i).append("\r\n").append(i % 3 == 0 ? "\r\n" : "").append(i % 7 == 0 ? "\n\r" : "");
        }
        flood(sb.toString().getBytes(StandardCharsets.ISO_8859_1), false, false);
    }

    @Test
    void bareLineFeedsInsideTlsRecordsPinAtMostTheHighWater() throws Exception {
        flood(repeat("\n"), true, false);
    }

    /** Lines a handler keeps to answer later (as SMTP and POP3 do behind a delayed reply) count like queued ones. */
    @Test
    void linesTheHandlerHoldsCountAgainstTheSameBudget() throws Exception {
        flood(repeat("\r\n"), false, true);
    }

    private static byte[] repeat(String unit) {
        return unit.repeat(PAYLOAD / unit.length()).getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Sends {@code payload} to a listener whose handler is stalled (blocked, or holding every line), waits until the
     * server has stopped taking input, checks the bound, then lets the handler go and checks every line arrived.
     */
    private void flood(byte[] payload, boolean tls, boolean holding) throws Exception {
        Expected expected = Expected.of(payload);
        Counting counting = new Counting();
        Handler handler = new Handler(holding);
        ServerTls serverTls = tls ? ServerTls.fromConfig(ServerConfig.fromMap(Map.of("server.data-dir", dir.toString(),
                "server.hostname", "mail.example.test"))) : null;
        Listener.Options options = new Listener.Options("flood", HostPort.parse("127.0.0.1:0"), 10, 10, a -> true,
                perAddress -> "421 busy\r\n", Duration.ofSeconds(60), FRAGMENT, 4, tls ? serverTls.newFilter() : null);
        Listener listener = Listener.start(options, handler, Map.<String, IoFilter>of("count", counting));
        try (Socket socket = tls ? tlsClient(listener.port()) : plainClient(listener.port())) {
            Thread writer = new Thread(() -> write(socket, payload), "flood-writer");
            writer.start();
            long decoded = waitUntilStill(counting.lines);
            long pinned = counting.heap.get() - handler.doneHeap.get();
            IoSession session = listener.acceptor().getManagedSessions().values().iterator().next();
            System.out.printf("%s%s: %d of %d lines decoded, %d bytes of heap pinned (bound %d), %d charged%n",
                    tls ? "tls " : "", holding ? "held" : "queued", decoded, expected.lines, pinned, BOUND, ReadThrottle.pending(session));
            assertTrue(decoded < expected.lines, "the server stopped decoding: " + decoded + " of " + expected.lines + " lines");
            assertTrue(pinned <= BOUND, "waiting lines take " + pinned + " bytes of heap, bound " + BOUND);
            assertTrue(ReadThrottle.pending(session) <= BOUND, "charged " + ReadThrottle.pending(session));

            handler.go();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (handler.done.get() < expected.lines && System.nanoTime() < deadline) {
                handler.releaseHeld(); // holding: the handler's owner lets lines go (parked input is decoded then)
                Thread.sleep(5);
            }
            writer.join(10_000);
            assertEquals(expected.lines, handler.done.get(), "every line reached the handler");
            assertEquals(expected.crc, handler.crc(), "in order, byte for byte, with the same endings");
        } finally {
            handler.go();
            listener.close();
        }
    }

    /** Lines and their checksum as an unthrottled decoder makes them from the whole payload. */
    private record Expected(long lines, long crc) {
        static Expected of(byte[] payload) throws Exception {
            LineDecoder decoder = new LineDecoder(FRAGMENT);
            decoder.setTransportMetadataFragmentation(false);
            ProtocolCodecSession session = new ProtocolCodecSession();
            decoder.decode(session, IoBuffer.wrap(payload), session.getDecoderOutput());
            CRC32 crc = new CRC32();
            long n = 0;
            for (Object o; (o = session.getDecoderOutputQueue().poll()) != null; n++) {
                update(crc, (Line) o);
            }
            return new Expected(n, crc.getValue());
        }
    }

    private static void update(CRC32 crc, Line line) {
        crc.update(line.bytes());
        crc.update(line.ending().ordinal());
    }

    /** Between the codec and the executor, on the I/O thread: every line the decoder made. */
    private static final class Counting extends IoFilterAdapter {
        final AtomicLong lines = new AtomicLong();
        final AtomicLong heap = new AtomicLong();

        @Override
        public void messageReceived(NextFilter next, IoSession session, Object message) {
            if (message instanceof Line line) {
                lines.incrementAndGet();
                heap.addAndGet(heapOf(line));
            }
            next.messageReceived(session, message);
        }
    }

    /** Stalled until {@link #go}: blocks on each line, or (holding) keeps each one, charged, for the test to release. */
    private static final class Handler extends IoHandlerAdapter {
        private final boolean holding;
        private final CountDownLatch open = new CountDownLatch(1);
        private final ConcurrentLinkedDeque<Line> held = new ConcurrentLinkedDeque<>();
        private volatile IoSession session;
        private final CRC32 crc = new CRC32();
        final AtomicLong done = new AtomicLong();
        final AtomicLong doneHeap = new AtomicLong();

        Handler(boolean holding) {
            this.holding = holding;
        }

        @Override
        public void messageReceived(IoSession io, Object message) throws InterruptedException {
            Line line = (Line) message;
            if (holding) {
                session = io;
                ReadThrottle.hold(io, line);
                held.addLast(line);
                return;
            }
            open.await();
            finish(line);
        }

        private synchronized void finish(Line line) {
            update(crc, line);
            doneHeap.addAndGet(heapOf(line));
            done.incrementAndGet();
        }

        void go() {
            open.countDown();
        }

        void releaseHeld() {
            if (!holding || open.getCount() > 0) {
                return;
            }
            for (Line line; (line = held.pollFirst()) != null; ) {
                ReadThrottle.release(session, line); // may decode parked input, whose lines are added to held
                finish(line);
            }
        }

        synchronized long crc() {
            return crc.getValue();
        }
    }

    /** Waits until the counter has not moved for a second (the server has stopped reading), returns it. */
    private static long waitUntilStill(AtomicLong counter) throws InterruptedException {
        long last = -1;
        long stillSince = System.nanoTime();
        while (true) {
            long now = counter.get();
            if (now != last || now == 0) {
                last = now;
                stillSince = System.nanoTime();
            } else if (System.nanoTime() - stillSince > TimeUnit.SECONDS.toNanos(1)) {
                return now;
            }
            Thread.sleep(50);
        }
    }

    private static void write(Socket socket, byte[] payload) {
        try {
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < payload.length; i += 16 * 1024) {
                out.write(payload, i, Math.min(16 * 1024, payload.length - i));
            }
            out.flush();
        } catch (IOException e) {
            // closed at the end of the test while still blocked
        }
    }

    private static Socket plainClient(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return s;
    }

    private static Socket tlsClient(int port) throws Exception {
        SSLSocket s = (SSLSocket) TestTls.trustingAnyone().getSocketFactory().createSocket("127.0.0.1", port);
        s.startHandshake();
        return s;
    }
}
