package io.mailserver.server.reliability;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * A scripted remote SMTP server in the test JVM, the destination of the queue runner's deliveries. It
 * greets only once {@link #open()} is called, takes every recipient, and holds each final reply back
 * for {@code answerDelayMillis} (a remote committing its copy), so a crash of the sender can fall
 * between "the remote has the whole message" and "the sender has the remote's answer". Every
 * transaction is recorded with those two moments.
 */
final class SinkSmtpServer implements AutoCloseable {
    /** One transaction as the sink saw it: times are System.nanoTime(); answeredAt 0 if the 250 could not be written. */
    record Transaction(String id, List<String> recipients, boolean whole, long terminatorAt, long answeredAt) {
    }

    private final ServerSocket server;
    private final long answerDelayMillis;
    private final CountDownLatch gate = new CountDownLatch(1);
    private final ConcurrentLinkedQueue<Transaction> transactions = new ConcurrentLinkedQueue<>();
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean closed;

    SinkSmtpServer(long answerDelayMillis) throws IOException {
        this.answerDelayMillis = answerDelayMillis;
        this.server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "sink-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** From now on connections are greeted. */
    void open() {
        gate.countDown();
    }

    List<Transaction> transactions() {
        return List.copyOf(transactions);
    }

    long answered() {
        return transactions.stream().filter(t -> t.answeredAt() != 0).count();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                synchronized (sockets) {
                    sockets.add(s);
                }
                Thread t = new Thread(() -> serve(s), "sink-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(60_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            gate.await();
            reply(out, "220 sink.remote.test ESMTP\r\n");
            List<String> recipients = new ArrayList<>();
            String line;
            while ((line = readLine(in)) != null) {
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("EHLO")) {
                    reply(out, "250-sink.remote.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 100000000\r\n");
                } else if (upper.startsWith("HELO") || upper.startsWith("NOOP")) {
                    reply(out, "250 ok\r\n");
                } else if (upper.startsWith("MAIL FROM:") || upper.startsWith("RSET")) {
                    recipients.clear();
                    reply(out, "250 ok\r\n");
                } else if (upper.startsWith("RCPT TO:")) {
                    recipients.add(line.substring(line.indexOf('<') + 1, line.indexOf('>')).toLowerCase(Locale.ROOT));
                    reply(out, "250 ok\r\n");
                } else if (upper.equals("DATA")) {
                    reply(out, "354 go ahead\r\n");
                    byte[] content = readData(in);
                    if (content == null) {
                        return;
                    }
                    long terminatorAt = System.nanoTime();
                    String id = TestMail.idOf(content);
                    boolean whole = id != null && TestMail.isWhole(content, id);
                    Thread.sleep(answerDelayMillis);
                    long answeredAt = 0;
                    try {
                        reply(out, "250 ok: stored\r\n");
                        answeredAt = System.nanoTime();
                    } finally {
                        transactions.add(new Transaction(id, List.copyOf(recipients), whole, terminatorAt, answeredAt));
                    }
                    recipients.clear();
                } else if (upper.equals("QUIT")) {
                    reply(out, "221 bye\r\n");
                    return;
                } else {
                    reply(out, "502 5.5.1 not here\r\n");
                }
            }
        } catch (IOException e) {
            // the sender died or hung up
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One line without CRLF, or null at end of stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        for (int c; (c = in.read()) >= 0; prev = c) {
            if (c == '\n' && prev == '\r') {
                byte[] bytes = b.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return null;
    }

    /** The message up to CRLF.CRLF, un-stuffed (RFC 5321 4.5.2); null if the connection ended first. */
    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        String line;
        while ((line = readLine(in)) != null) {
            if (line.equals(".")) {
                return content.toByteArray();
            }
            content.writeBytes((line.startsWith(".") ? line.substring(1) : line).getBytes(StandardCharsets.ISO_8859_1));
            content.writeBytes(new byte[] {'\r', '\n'});
        }
        return null;
    }

    @Override
    public void close() {
        closed = true;
        gate.countDown();
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        synchronized (sockets) {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
        }
    }
}
