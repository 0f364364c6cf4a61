package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mailserver.store.User;

/**
 * Large RETRs over TLS (POP3S and STLS) with a reader as fast as loopback allows and a slow one, byte-exact by
 * SHA-256. A fast reader used to lose the connection part-way through messages of more than 4 MiB.
 *
 * <p>{@code -Dtls.repeat=N} repeats each case N times (the "100 of 100"); the default keeps the suite short.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class Pop3LargeTlsTest {
    private static final int REPEAT = Integer.getInteger("tls.repeat", 0);

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private Pop3Fixture f;
    private SSLContext trusting;
    private User seven;
    private User fifty;
    private BigMessage sevenMb;
    private BigMessage fiftyMb;

    @BeforeAll
    void start() throws Exception {
        f = Pop3Fixture.startSecure();
        seven = f.addUser("seven@example.test", "pw");
        fifty = f.addUser("fifty@example.test", "pw");
        sevenMb = BigMessage.deliver(f, seven, 7_000_000);
        fiftyMb = BigMessage.deliver(f, fifty, 50_000_000);
        trusting = trusting(f);
        log.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(log);
    }

    @AfterAll
    void stop() {
        f.close();
    }

    /** The server logs nothing above INFO, and no TLS failure at all, while serving these retrievals. */
    @AfterEach
    void noTlsFailureLogged() {
        List<String> bad;
        synchronized (log) {
            bad = log.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN) || e.getFormattedMessage().contains("TLS failure"))
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage()).toList();
            log.list.clear();
        }
        assertEquals(List.of(), bad);
    }

    static SSLContext trusting(Pop3Fixture f) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(f.tls.chainFile())) {
            trust.setCertificateEntry("server", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static int times(int byDefault) {
        return REPEAT > 0 ? REPEAT : byDefault;
    }

    @Test
    void sevenMegabytesPop3sFastReader() throws Exception {
        for (int i = 0; i < times(30); i++) {
            retrieve(true, seven, sevenMb, Speed.FAST);
        }
    }

    @Test
    void sevenMegabytesStlsFastReader() throws Exception {
        for (int i = 0; i < times(10); i++) {
            retrieve(false, seven, sevenMb, Speed.FAST);
        }
    }

    @Test
    void sevenMegabytesSlowReader() throws Exception {
        for (int i = 0; i < times(1); i++) {
            retrieve(true, seven, sevenMb, Speed.SLOW);
            retrieve(false, seven, sevenMb, Speed.SLOW);
        }
    }

    @Test
    void fiftyMegabytesFastReader() throws Exception {
        for (int i = 0; i < times(2); i++) {
            retrieve(true, fifty, fiftyMb, Speed.FAST);
            retrieve(false, fifty, fiftyMb, Speed.FAST);
        }
    }

    @Test
    void fiftyMegabytesSlowReader() throws Exception {
        for (int i = 0; i < times(1); i++) {
            retrieve(true, fifty, fiftyMb, Speed.SLOW);
            retrieve(false, fifty, fiftyMb, Speed.SLOW);
        }
    }

    enum Speed {
        /** Reads 256 KiB at a time, never pausing. */
        FAST,
        /** A 32 KiB socket receive buffer, reads of 16 KiB and a 1 ms pause after each. */
        SLOW
    }

    /** Logs in over POP3S ({@code implicit}) or STLS, RETRs message 1, compares its digest and QUITs. */
    private void retrieve(boolean implicit, User user, BigMessage expected, Speed speed) throws Exception {
        String how = (implicit ? "POP3S" : "STLS") + " " + speed + " " + expected.octets();
        Socket plain = new Socket();
        try (Socket closeMe = plain) {
            if (speed == Speed.SLOW) {
                plain.setReceiveBufferSize(32 * 1024);
            }
            plain.connect(new InetSocketAddress("127.0.0.1", implicit ? f.pop3.tlsPort() : f.port()));
            plain.setSoTimeout(30_000);
            Socket s = plain;
            if (implicit) {
                s = tls(plain);
            } else {
                expectOk(line(plain.getInputStream()), how);
                plain.getOutputStream().write("STLS\r\n".getBytes(StandardCharsets.US_ASCII));
                expectOk(line(plain.getInputStream()), how);
                s = tls(plain);
            }
            InputStream in = new BufferedInputStream(s.getInputStream(), speed == Speed.FAST ? 256 * 1024 : 16 * 1024);
            OutputStream out = s.getOutputStream();
            if (implicit) {
                expectOk(line(in), how);
            }
            out.write(("USER " + user.address() + "\r\nPASS pw\r\nRETR 1\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expectOk(line(in), how);
            expectOk(line(in), how);
            assertEquals("+OK " + expected.octets() + " octets", line(in), how);
            BigMessage.Received got = BigMessage.readMultiLine(in, speed == Speed.FAST ? 256 * 1024 : 16 * 1024,
                    speed == Speed.FAST ? n -> { } : Pop3LargeTlsTest::slowly);
            assertEquals(expected.octets(), got.octets(), how);
            assertArrayEquals(expected.sha256(), got.sha256(), how);
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            expectOk(line(in), how);
            assertEquals(-1, in.read(), how + ": the server closes after QUIT (with close_notify, else read throws)");
        }
    }

    /** Sleeps 1 ms after every read (of at most 16 KiB): at most 16 MB/s, so the server's queue fills and waits. */
    private static void slowly(long octetsSoFar) throws IOException {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            throw new InterruptedIOException();
        }
    }

    private SSLSocket tls(Socket plain) throws IOException {
        SSLSocket tls = (SSLSocket) trusting.getSocketFactory().createSocket(plain, "localhost", plain.getPort(), true);
        tls.startHandshake();
        return tls;
    }

    private static void expectOk(String line, String how) {
        assertTrue(line != null && line.startsWith("+OK"), how + ": " + line);
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
}
