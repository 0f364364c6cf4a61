package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mailserver.testkit.BigContent;
import io.mailserver.store.MaildropEntry;
import io.mailserver.testkit.TestTls;

/**
 * A 50 MB message in over TLS: submission with STARTTLS and SMTPS (implicit TLS), from a Java client writing as fast
 * as it can and from curl, stored byte for byte (SHA-256 compared). {@code -Dtls.repeat=N} repeats each N times.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class SmtpLargeTlsTest {
    private static final int REPEAT = Integer.getInteger("tls.repeat", 1);
    private static final BigContent FIFTY_MB = BigContent.of(50_000_000);

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private SmtpTestServer server;
    private SSLContext trusting;
    @TempDir
    Path dir;

    @BeforeAll
    void start() throws Exception {
        server = SmtpTestServer.startSecure(Map.of("limits.message-size", "64M"));
        trusting = TestTls.trustOnly(server.tls.chainFile());
        log.start();
        root.addAppender(log);
    }

    @AfterAll
    void stop() {
        root.detachAppender(log);
        server.close();
    }

    /** The server logs nothing above INFO, and no TLS failure, while taking these messages. */
    @AfterEach
    void noTlsFailureLogged() {
        List<String> bad;
        synchronized (log) {
            bad = log.list.stream().filter(e -> e.getLoggerName().startsWith("io.mailserver"))
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) || e.getFormattedMessage().contains("TLS failure"))
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage()).toList();
            log.list.clear();
        }
        assertEquals(List.of(), bad);
    }

    @Test
    void fiftyMegabytesFromAFastJavaClient() throws Exception {
        for (int i = 0; i < REPEAT; i++) {
            send(false);
            send(true);
        }
    }

    @Test
    void fiftyMegabytesFromCurl() throws Exception {
        assumeTrue(SmtpRealClientsTest.onPath("curl"), "curl is not installed here (.ci/run installs it); skipping");
        Path mail = dir.resolve("big.eml");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(mail), 1 << 16)) {
            FIFTY_MB.writeTo(out, false);
        }
        for (int i = 0; i < REPEAT; i++) {
            for (String url : List.of("smtp://localhost:" + server.service.submissionPort(), "smtps://localhost:" + server.service.smtpsPort())) {
                int before = server.maildrop(server.bob).size();
                SmtpRealClientsTest.Result r = SmtpRealClientsTest.run(List.of("curl", "-sS", "--max-time", "300", "--ssl-reqd",
                        "--cacert", server.tls.chainFile().toString(), url, "--user", "alice@example.test:pw",
                        "--mail-from", "alice@example.test", "--mail-rcpt", "bob@example.test", "--upload-file", mail.toString()));
                assertEquals(0, r.exit(), url + ": " + r.output());
                assertEquals(before + 1, server.maildrop(server.bob).size(), url);
                assertStoredForBob(url);
            }
        }
    }

    /** Submission with STARTTLS ({@code implicit} false) or SMTPS, AUTH PLAIN, one 50 MB message to bob. */
    private void send(boolean implicit) throws Exception {
        String how = implicit ? "SMTPS" : "submission STARTTLS";
        int before = server.maildrop(server.bob).size();
        Socket plain = new Socket("127.0.0.1", implicit ? server.service.smtpsPort() : server.service.submissionPort());
        try (Socket closeMe = plain) {
            plain.setSoTimeout(60_000);
            Socket s = plain;
            if (!implicit) {
                InputStream in = plain.getInputStream();
                OutputStream out = plain.getOutputStream();
                expect(in, "220");
                out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
                expect(in, "250");
                out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
                expect(in, "220");
            }
            s = tls(plain);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
            if (implicit) {
                expect(in, "220");
            }
            out.write(("EHLO client.test\r\nAUTH PLAIN " + SmtpTlsTest.b64("\0alice@example.test\0pw") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "250");
            expect(in, "235");
            out.write("MAIL FROM:<alice@example.test> BODY=8BITMIME SIZE=50000000\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "250");
            expect(in, "250");
            expect(in, "354");
            FIFTY_MB.writeTo(out, true);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "250");
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expect(in, "221");
        }
        assertEquals(before + 1, server.maildrop(server.bob).size(), how);
        assertStoredForBob(how);
    }

    /** Bob's newest message is our content after the two fields the server puts on top. */
    private void assertStoredForBob(String how) throws IOException {
        List<MaildropEntry> entries = server.maildrop(server.bob);
        try (InputStream in = new BufferedInputStream(server.store().maildrops().open(server.bob.id(), entries.get(entries.size() - 1).uid()))) {
            assertTrue(headerField(in).startsWith("Return-Path: <alice@example.test>"), how);
            String received = headerField(in);
            assertTrue(received.startsWith("Received: from "), how + ": " + received);
            assertTrue(received.contains("ESMTPSA"), how + ": " + received);
            assertEquals(FIFTY_MB.expectedDigest(), BigContent.digestOf(in), how);
        }
    }

    /** Reads one header field with its continuation lines. */
    private static String headerField(InputStream in) throws IOException {
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        while (true) {
            for (int c; (c = in.read()) >= 0; ) {
                field.write(c);
                if (c == '\n') {
                    break;
                }
            }
            in.mark(1);
            int next = in.read();
            in.reset();
            if (next != ' ' && next != '\t') {
                return field.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    private SSLSocket tls(Socket plain) throws IOException {
        SSLSocket tls = (SSLSocket) trusting.getSocketFactory().createSocket(plain, "localhost", plain.getPort(), true);
        tls.startHandshake();
        return tls;
    }

    /** Reads one reply (all its lines) and checks its code. */
    private static void expect(InputStream in, String code) throws IOException {
        while (true) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
                line.write(c);
            }
            String text = line.toString(StandardCharsets.ISO_8859_1).strip();
            assertTrue(text.startsWith(code), "expected " + code + ", got: " + text);
            if (text.length() < 4 || text.charAt(3) != '-') {
                return;
            }
        }
    }
}
