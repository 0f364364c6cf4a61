package io.mailserver.server.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mailserver.config.ServerConfig;
import io.mailserver.server.MailServer;
import io.mailserver.store.MailAddress;
import io.mailserver.testkit.TestTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server behind a real HAProxy (started by the test, PROXY protocol v2 for SMTP and SMTPS with TLS passed
 * through, v1 for POP3): relay control, the Received header and POP3 see the client's address, not the proxy's;
 * the proxy's own address may not talk without a header, and nobody else may send one.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxyProtocolTest {
    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");

    @TempDir
    Path dir;
    private MailServer server;
    private Process haproxy;
    private int smtpFront;
    private int pop3Front;
    private int smtpsFront;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(HAPROXY), "HAProxy is not installed (.ci/run installs the haproxy package)");
        Map<String, String> keys = new HashMap<>();
        keys.put("server.data-dir", dir.resolve("data").toString());
        keys.put("server.hostname", "mx.example.test");
        keys.put("smtp.listen", "127.0.0.1:0");
        keys.put("pop3.listen", "127.0.0.1:0");
        keys.put("smtps.listen", "127.0.0.1:0");
        keys.put("submission.listen", "");
        keys.put("pop3s.listen", "");
        keys.put("http.listen", "");
        keys.put("https.listen", "");
        keys.put("network.trusted", "127.0.0.1/32"); // the proxy's address: its clients must not inherit that trust
        keys.put("smtp.check-sender-domain", "false");
        keys.put("tls.allow-plaintext-auth", "true");
        for (String listener : new String[] {"smtp", "pop3", "smtps"}) {
            keys.put(listener + ".proxy-from", "127.0.0.1/32");
        }
        server = MailServer.start(ServerConfig.fromMap(keys));
        server.store().domains().add("example.test");
        server.store().users().add(MailAddress.parse("alice@example.test"), null, "alice-pw".toCharArray());
        smtpFront = freePort();
        pop3Front = freePort();
        smtpsFront = freePort();
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, String.join("\n",
                "global",
                "  maxconn 200",
                "defaults",
                "  mode tcp",
                "  timeout connect 5s",
                "  timeout client 60s",
                "  timeout server 60s",
                "listen smtp",
                "  bind 127.0.0.1:" + smtpFront,
                "  server node1 127.0.0.1:" + server.smtp().port() + " send-proxy-v2",
                "listen pop3",
                "  bind 127.0.0.1:" + pop3Front,
                "  server node1 127.0.0.1:" + server.pop3().port() + " send-proxy",
                "listen smtps",
                "  bind 127.0.0.1:" + smtpsFront,
                "  server node1 127.0.0.1:" + server.smtp().smtpsPort() + " send-proxy-v2",
                ""));
        haproxy = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.out").toFile()).start();
        waitForListening(smtpFront);
        waitForListening(pop3Front);
        waitForListening(smtpsFront);
    }

    @AfterEach
    void stop() {
        if (haproxy != null) {
            haproxy.destroyForcibly();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void clientsBehindTheProxyAreSeenWithTheirOwnAddress() throws Exception {
        InetAddress client = InetAddress.getByName("127.0.0.2");
        try (Wire w = Wire.connect(client, smtpFront, 15_000)) {
            assertTrue(w.smtpReply().startsWith("220 "));
            w.smtp("EHLO client.far.test", "250");
            w.smtp("MAIL FROM:<someone@far.test>", "250 ");
            // the proxy (127.0.0.1) is a trusted network; 127.0.0.2 is not: no relaying for it
            String relay = w.smtp("RCPT TO:<victim@elsewhere.test>");
            assertTrue(relay.startsWith("554 5.7.1") || relay.startsWith("550 5.7.1"), relay);
            w.smtp("RCPT TO:<alice@example.test>", "250 ");
            w.smtp("DATA", "354 ");
            w.write("Subject: through the proxy\r\n\r\nhello\r\n.\r\n");
            assertTrue(w.smtpReply().startsWith("250 "));
        }
        try (Pop3Wire pop = Pop3Wire.connect(InetAddress.getByName("127.0.0.3"), pop3Front)) {
            pop.login("alice@example.test", "alice-pw");
            String message = new String(pop.retr(1), StandardCharsets.US_ASCII);
            assertTrue(message.contains("[127.0.0.2]"), message);
            assertTrue(!message.contains("[127.0.0.1]"), message);
            pop.ok("QUIT");
        }
    }

    @Test
    void implicitTlsPassesThroughWithTheHeaderBeforeTheHandshake() throws Exception {
        try (SSLSocket s = (SSLSocket) TestTls.trustingAnyone().getSocketFactory().createSocket("127.0.0.1", smtpsFront)) {
            s.setSoTimeout(15_000);
            s.startHandshake();
            String greeting = readLine(s.getInputStream());
            assertTrue(greeting.startsWith("220 "), greeting);
        }
    }

    @Test
    void rawHeadersOfBothVersionsAndTheRefusals() throws Exception {
        int smtp = server.smtp().port();
        // v1 TCP6 straight from the proxy's address: the client is the IPv6 address in it
        try (Socket s = socket(InetAddress.getByName("127.0.0.1"), smtp)) {
            OutputStream out = s.getOutputStream();
            out.write("PROXY TCP6 2001:db8::7 2001:db8::1 40000 25\r\n".getBytes(StandardCharsets.US_ASCII));
            String greeting = readLine(s.getInputStream());
            assertTrue(greeting.startsWith("220 "), greeting);
            out.write("EHLO v6.far.test\r\nMAIL FROM:<x@far.test>\r\nRCPT TO:<victim@elsewhere.test>\r\n".getBytes(StandardCharsets.US_ASCII));
            String rest = readUntil(s.getInputStream(), "5.7.1");
            assertTrue(rest.contains("5.7.1"), rest);
        }
        // v2 LOCAL (the proxy's health check): the proxy's own address, trusted here
        try (Socket s = socket(InetAddress.getByName("127.0.0.1"), smtp)) {
            byte[] local = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00};
            s.getOutputStream().write(local);
            assertTrue(readLine(s.getInputStream()).startsWith("220 "));
        }
        // the proxy's address without a header: nothing is said, the connection is closed
        try (Socket s = socket(InetAddress.getByName("127.0.0.1"), smtp)) {
            s.getOutputStream().write("EHLO sneaky.test\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read(), "no greeting and closed");
        }
        // a malformed header from the proxy's address
        try (Socket s = socket(InetAddress.getByName("127.0.0.1"), smtp)) {
            s.getOutputStream().write("PROXY TCP4 999.1.1.1 127.0.0.1 1 25\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read());
        }
        // anyone else sending a header (to choose its own address) is closed after the greeting
        try (Socket s = socket(InetAddress.getByName("127.0.0.2"), smtp)) {
            assertTrue(readLine(s.getInputStream()).startsWith("220 "));
            s.getOutputStream().write("PROXY TCP4 127.0.0.1 127.0.0.1 1 25\r\nMAIL FROM:<x@far.test>\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read(), "closed without an answer");
        }
    }

    private static Socket socket(InetAddress source, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        s.setSoTimeout(15_000);
        return s;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while (!sb.toString().contains(marker) && (b = in.read()) >= 0) {
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void waitForListening(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("HAProxy did not listen on " + port);
    }
}
