package io.mailserver.relay.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A scripted SMTP peer for tests, on 127.0.0.1: answers what the test says (4xx, 5xx, dropped
 * connection, stall), and records every command and every message it accepted. Blocking, one
 * thread per connection.
 */
public final class PeerSmtpServer implements AutoCloseable {
    /** Reply to the final "." that drops the connection instead of answering. */
    public static final String DROP = "DROP";
    /** Reply to the final "." that never answers (until the server closes). */
    public static final String STALL = "STALL";

    /** A message the peer received (content un-dot-stuffed; {@code wire} exactly as sent). */
    public record Received(int connection, String sender, String mailParams, List<String> recipients, byte[] content, byte[] wire,
                           boolean tls) {
        public String text() {
            return new String(content, StandardCharsets.ISO_8859_1);
        }
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "peer-smtp");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final CountDownLatch stallRelease = new CountDownLatch(1);
    private final AtomicInteger connections = new AtomicInteger();

    public final List<String> transcript = Collections.synchronizedList(new ArrayList<>());
    public final List<Received> messages = new CopyOnWriteArrayList<>();
    /** Count of final "." seen (answered or not). */
    public final AtomicInteger dataEnds = new AtomicInteger();

    public volatile String greeting = "220 peer.test ESMTP scripted";
    public volatile List<String> extensions = List.of("PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES");
    public volatile boolean ehloUnknown;
    public volatile SSLContext tls;
    public volatile String authUser;
    public volatile String authPassword;
    public volatile Function<String, String> mailReply = s -> "250 2.1.0 Ok";
    public volatile Function<String, String> rcptReply = r -> "250 2.1.5 Ok";
    /** Given the message (not yet recorded), the reply to the final "." (or DROP / STALL). Recorded only on a 2yz reply. */
    public volatile Function<Received, String> dataReply = m -> "250 2.0.0 Ok: queued";

    public PeerSmtpServer() throws IOException {
        this(InetAddress.getLoopbackAddress());
    }

    public PeerSmtpServer(InetAddress bind) throws IOException {
        this(bind, 0);
    }

    /** On a given address and port (0: any free port). */
    public PeerSmtpServer(InetAddress bind, int port) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bind, port), 200);
        threads.execute(this::acceptLoop);
    }

    public int port() {
        return server.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    /** Lets stalled sessions go (they then close without answering). */
    public void releaseStalls() {
        stallRelease.countDown();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true); // as a real server: replies written separately must not wait for delayed ACKs
                open.add(s);
                int n = connections.incrementAndGet();
                threads.execute(() -> serve(s, n));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket, int connection) {
        try (socket) {
            Session s = new Session(socket, connection);
            s.run();
        } catch (IOException | RuntimeException e) {
            // the client went away, or the test closed the server
        } finally {
            open.remove(socket);
        }
    }

    private final class Session {
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private final int connection;
        private boolean tlsActive;
        private boolean authed;
        private String sender;
        private String params;
        private final List<String> rcpts = new ArrayList<>();

        Session(Socket socket, int connection) throws IOException {
            this.socket = socket;
            this.connection = connection;
            this.in = new BufferedInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
        }

        void run() throws IOException {
            reply(greeting);
            if (!greeting.startsWith("220")) {
                return;
            }
            String line;
            while ((line = readLine()) != null) {
                transcript.add(line);
                String upper = line.toUpperCase(Locale.ROOT);
                if (upper.startsWith("EHLO ")) {
                    if (ehloUnknown) {
                        reply("502 5.5.2 Error: command not recognized");
                        continue;
                    }
                    List<String> lines = new ArrayList<>();
                    lines.add("peer.test");
                    lines.addAll(extensions);
                    if (tls != null && !tlsActive) {
                        lines.add("STARTTLS");
                    }
                    if (authUser != null) {
                        lines.add("AUTH PLAIN LOGIN");
                    }
                    multi(250, lines);
                    reset();
                } else if (upper.startsWith("HELO ")) {
                    reply("250 peer.test");
                    reset();
                } else if (upper.equals("STARTTLS") && tls != null && !tlsActive) {
                    reply("220 2.0.0 Ready to start TLS");
                    SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, socket.getPort(), true);
                    ssl.setUseClientMode(false);
                    ssl.startHandshake();
                    socket = ssl;
                    in = new BufferedInputStream(ssl.getInputStream());
                    out = ssl.getOutputStream();
                    tlsActive = true;
                    reset();
                } else if (upper.startsWith("AUTH PLAIN ")) {
                    String[] parts = new String(Base64.getDecoder().decode(line.substring(11).trim()), StandardCharsets.UTF_8).split("\0", -1);
                    authed = parts.length == 3 && parts[1].equals(authUser) && parts[2].equals(authPassword);
                    reply(authed ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication failed");
                } else if (upper.equals("AUTH LOGIN")) {
                    reply("334 VXNlcm5hbWU6");
                    String u = new String(Base64.getDecoder().decode(readLine().trim()), StandardCharsets.UTF_8);
                    reply("334 UGFzc3dvcmQ6");
                    String p = new String(Base64.getDecoder().decode(readLine().trim()), StandardCharsets.UTF_8);
                    authed = u.equals(authUser) && p.equals(authPassword);
                    reply(authed ? "235 2.7.0 Authentication successful" : "535 5.7.8 Authentication failed");
                } else if (upper.startsWith("MAIL FROM:")) {
                    if (authUser != null && !authed) {
                        reply("530 5.7.0 Authentication required");
                        continue;
                    }
                    int close = line.indexOf('>');
                    sender = line.substring(line.indexOf('<') + 1, close);
                    params = line.substring(close + 1).trim();
                    String r = mailReply.apply(sender);
                    if (!r.startsWith("2")) {
                        sender = null;
                    }
                    reply(r);
                } else if (upper.startsWith("RCPT TO:")) {
                    if (sender == null) {
                        reply("503 5.5.1 Error: need MAIL command");
                        continue;
                    }
                    String rcpt = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                    String r = rcptReply.apply(rcpt);
                    if (r.startsWith("2")) {
                        rcpts.add(rcpt);
                    }
                    reply(r);
                } else if (upper.equals("DATA")) {
                    if (sender == null || rcpts.isEmpty()) {
                        reply("554 5.5.1 Error: no valid recipients");
                        continue;
                    }
                    reply("354 End data with <CR><LF>.<CR><LF>");
                    if (!readData()) {
                        return;
                    }
                } else if (upper.equals("RSET")) {
                    reset();
                    reply("250 2.0.0 Ok");
                } else if (upper.equals("NOOP")) {
                    reply("250 2.0.0 Ok");
                } else if (upper.equals("QUIT")) {
                    reply("221 2.0.0 Bye");
                    return;
                } else {
                    reply("502 5.5.2 Error: command not recognized");
                }
            }
        }

        /** Reads the content up to CRLF.CRLF; false when the session must end (drop or stall). */
        private boolean readData() throws IOException {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                line.reset();
                int b;
                int prev = -1;
                while ((b = in.read()) >= 0) {
                    line.write(b);
                    if (b == '\n' && prev == '\r') {
                        break;
                    }
                    prev = b;
                }
                if (b < 0) {
                    throw new IOException("eof in data");
                }
                byte[] l = line.toByteArray();
                wire.write(l);
                if (l.length == 3 && l[0] == '.') {
                    break;
                }
                int skip = l.length > 0 && l[0] == '.' ? 1 : 0;
                content.write(l, skip, l.length - skip);
            }
            dataEnds.incrementAndGet();
            Received m = new Received(connection, sender, params, List.copyOf(rcpts), content.toByteArray(), wire.toByteArray(), tlsActive);
            String r = dataReply.apply(m);
            if (r.equals(DROP)) {
                return false;
            }
            if (r.equals(STALL)) {
                try {
                    stallRelease.await(5, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
            if (r.startsWith("2")) {
                messages.add(m);
            }
            reply(r);
            reset();
            return true;
        }

        private void reset() {
            sender = null;
            params = null;
            rcpts.clear();
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    byte[] bytes = buf.toByteArray();
                    int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
                }
                buf.write(b);
            }
            return null;
        }

        private void reply(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        private void multi(int code, List<String> lines) throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                sb.append(code).append(i == lines.size() - 1 ? ' ' : '-').append(lines.get(i)).append("\r\n");
            }
            out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
    }

    @Override
    public void close() throws IOException {
        releaseStalls();
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
