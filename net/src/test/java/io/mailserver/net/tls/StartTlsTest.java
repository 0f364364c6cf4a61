package io.mailserver.net.tls;

import static io.mailserver.net.tls.TlsTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** STARTTLS and implicit TLS through {@link io.mailserver.net.Listener} with real clients (openssl, JSSE). */
@Timeout(60)
class StartTlsTest {
    @TempDir
    static Path dir;
    static ServerTls tls;
    static EchoServer plain;
    static EchoServer implicit;

    @BeforeAll
    static void start() throws Exception {
        writeCertificate(dir.resolve("chain.pem"), dir.resolve("key.pem"), "mail.example.test");
        tls = ServerTls.forFiles(dir.resolve("chain.pem"), dir.resolve("key.pem"), "mail.example.test");
        plain = EchoServer.plain(tls);
        implicit = EchoServer.implicit(tls);
    }

    @AfterAll
    static void stop() {
        plain.close();
        implicit.close();
    }

    private static String port(EchoServer s) {
        return "127.0.0.1:" + s.port();
    }

    @Test
    void opensslStartTlsUpgradesAndClosesCleanly() throws Exception {
        Run r = run(Duration.ofSeconds(20), "ECHO hello\nINFO\nQUIT\n",
                "openssl", "s_client", "-connect", port(plain), "-starttls", "smtp", "-crlf", "-ign_eof", "-brief");
        assertTrue(r.out().contains("250 echo: ECHO hello"), r.all());
        assertTrue(r.out().contains("250 version=TLSv1.3 cipher=TLS_"), r.all());
        assertTrue(r.out().contains("221 bye"), r.all());
        assertTrue(r.err().contains("Protocol version: TLSv1.3"), r.all());
        // close_notify was sent: openssl complains about an unexpected EOF otherwise
        assertFalse(r.all().toLowerCase().contains("unexpected eof"), r.all());
        assertEquals(0, r.exit(), r.all());
    }

    @Test
    void opensslImplicitTls() throws Exception {
        Run r = run(Duration.ofSeconds(20), "ECHO hi\nQUIT\n",
                "openssl", "s_client", "-connect", port(implicit), "-crlf", "-ign_eof", "-brief");
        assertTrue(r.out().contains("220 echo ready"), r.all());
        assertTrue(r.out().contains("250 echo: ECHO hi"), r.all());
        assertTrue(r.out().contains("221 bye"), r.all());
        assertFalse(r.all().toLowerCase().contains("unexpected eof"), r.all());
    }

    @Test
    void tls12NegotiatesForwardSecretAeadOnly() throws Exception {
        Run r = run(Duration.ofSeconds(20), "QUIT\n",
                "openssl", "s_client", "-connect", port(implicit), "-tls1_2", "-crlf", "-ign_eof", "-brief");
        assertTrue(r.err().contains("Protocol version: TLSv1.2"), r.all());
        assertTrue(r.err().contains("Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256"), r.all()); // the server's first choice
        // a client offering only non-AEAD or non-forward-secret suites gets nothing
        for (String weak : List.of("AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA256", "DHE-RSA-AES128-GCM-SHA256")) {
            Run w = run(Duration.ofSeconds(20), "QUIT\n", "openssl", "s_client", "-connect", port(implicit),
                    "-tls1_2", "-cipher", weak + "@SECLEVEL=0", "-crlf", "-ign_eof", "-brief");
            assertNotEquals(0, w.exit(), weak + ": " + w.all());
            assertFalse(w.out().contains("220 echo ready"), weak + ": " + w.all());
            assertTrue(w.err().contains("alert handshake failure"), weak + ": " + w.all());
        }
    }

    @Test
    void tls11AndOlderRefused() throws Exception {
        for (String old : List.of("-tls1_1", "-tls1")) {
            Run r = run(Duration.ofSeconds(20), "QUIT\n", "openssl", "s_client", "-connect", port(implicit),
                    old, "-cipher", "DEFAULT@SECLEVEL=0", "-crlf", "-ign_eof", "-brief");
            assertNotEquals(0, r.exit(), old + ": " + r.all());
            assertFalse(r.out().contains("220 echo ready"), old + ": " + r.all());
            // the server's refusal (alert 70), not the local openssl's
            assertTrue(r.err().contains("alert protocol version"), old + ": " + r.all());
        }
        Run r = run(Duration.ofSeconds(20), "QUIT\n", "openssl", "s_client", "-connect", port(plain),
                "-starttls", "smtp", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-crlf", "-ign_eof", "-brief");
        assertNotEquals(0, r.exit(), r.all());
    }

    /** CVE-2011-0411: a command pipelined after STARTTLS must not run under TLS, nor an unfinished line glue on. */
    @Test
    void plaintextPipelinedAfterStartTlsIsDropped() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", plain.port())) {
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            assertEquals("220 echo ready", readLine(in));
            send(socket.getOutputStream(), "STARTTLS\r\nECHO injected\r\nEHLO injected\r\nECH");
            assertEquals("220 2.0.0 go ahead", readLine(in));
            try (SSLSocket secured = handshake(socket, plain.port())) {
                InputStream sin = secured.getInputStream();
                OutputStream sout = secured.getOutputStream();
                send(sout, "O first\r\nINFO\r\n");
                assertEquals("250 echo: O first", readLine(sin), "the plaintext \"ECH\" must not prefix the first TLS line");
                assertTrue(readLine(sin).startsWith("250 version=TLSv1.3"));
                send(sout, "QUIT\r\n");
                assertEquals("221 bye", readLine(sin));
            }
        }
    }

    /** The same with the plaintext in a separate write: it is dropped, or it breaks the handshake; it never runs. */
    @Test
    void plaintextSentJustAfterStartTlsNeverRuns() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (Socket socket = new Socket("127.0.0.1", plain.port())) {
                socket.setSoTimeout(10_000);
                socket.setTcpNoDelay(true);
                InputStream in = socket.getInputStream();
                assertEquals("220 echo ready", readLine(in));
                send(socket.getOutputStream(), "STARTTLS\r\n");
                send(socket.getOutputStream(), "ECHO injected\r\n");
                String ready = readLine(in);
                if (ready == null) {
                    continue; // the plaintext reached the TLS layer first, which gave up at once: fine, it did not run
                }
                assertEquals("220 2.0.0 go ahead", ready);
                SSLSocket secured;
                try {
                    secured = handshake(socket, plain.port());
                } catch (java.io.IOException e) {
                    continue; // the plaintext reached the TLS layer as garbage: fine, it did not run
                }
                try (secured) {
                    send(secured.getOutputStream(), "ECHO first\r\n");
                    assertEquals("250 echo: ECHO first", readLine(secured.getInputStream()));
                }
            }
        }
    }

    @Test
    void serverSignalsReachTheHandlerUnderTls() throws Exception {
        try (SSLSocket secured = handshake(null, implicit.port())) {
            InputStream in = secured.getInputStream();
            assertEquals("220 echo ready", readLine(in));
            for (var session : implicit.listener.acceptor().getManagedSessions().values()) {
                io.mailserver.net.Listener.signal(session, new EchoServer.Signal("stop"));
            }
            assertEquals("250 signal stop", readLine(in));
        }
    }

    @Test
    void startTlsInsideTlsIsRefused() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", plain.port())) {
            socket.setSoTimeout(10_000);
            assertEquals("220 echo ready", readLine(socket.getInputStream()));
            send(socket.getOutputStream(), "STARTTLS\r\n");
            assertEquals("220 2.0.0 go ahead", readLine(socket.getInputStream()));
            try (SSLSocket secured = handshake(socket, plain.port())) {
                send(secured.getOutputStream(), "STARTTLS\r\n");
                assertEquals("503 5.5.1 TLS already active", readLine(secured.getInputStream()));
            }
        }
    }

    /** Measured on MINA 2.2: adding the filter after writing the 220 failed 8 of 300 handshakes with an executor. */
    @Test
    void manyConcurrentUpgradesAllSucceed() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        long start = System.nanoTime();
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    try (Socket socket = new Socket("127.0.0.1", plain.port())) {
                        socket.setSoTimeout(10_000);
                        readLine(socket.getInputStream());
                        send(socket.getOutputStream(), "STARTTLS\r\n");
                        readLine(socket.getInputStream());
                        try (SSLSocket secured = handshake(socket, plain.port())) {
                            send(secured.getOutputStream(), "ECHO " + n + "\r\n");
                            return readLine(secured.getInputStream());
                        }
                    }
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                assertEquals("250 echo: ECHO " + i, results.get(i).get(30, TimeUnit.SECONDS));
            }
            System.out.printf("300 STARTTLS upgrades (TLS 1.3 handshake + one line) from 8 client threads: %d ms%n",
                    (System.nanoTime() - start) / 1_000_000);
        } finally {
            pool.shutdownNow();
        }
    }
}
