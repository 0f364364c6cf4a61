package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.testkit.TestTls;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Delayed replies (the error tarpit past half of {@code limits.errors}, a failed AUTH) hold no handler thread:
 * the reply is sent by a timer, and what the client pipelined behind the command is answered after it, in order
 * (RFC 2920 3.2). More tarpitted sessions than there are handler threads do not keep a new client waiting.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SmtpTarpitTest {

    @Test
    void commandsPipelinedBehindATarpittedErrorAreAnsweredAfterIt() {
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.errors", "6", "test.error-delay", "PT0.5S"));
             RawSmtp c = server.connect()) {
            assertTrue(c.reply().startsWith("220 "));
            c.write("EHLO client.test\r\nBAD1\r\nBAD2\r\nBAD3\r\nBAD4\r\nNOOP\r\nRSET\r\nQUIT\r\n");
            assertTrue(c.reply().startsWith("250"), "EHLO");
            for (int i = 1; i <= 3; i++) {
                assertEquals("500 5.5.2 Error: command not recognized\r\n", c.reply(), "BAD" + i);
            }
            long t0 = System.nanoTime();
            assertEquals("500 5.5.2 Error: command not recognized\r\n", c.reply(), "BAD4, past half the limit: delayed");
            long delayed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(delayed >= 400, "BAD4 was answered after " + delayed + " ms");
            assertTrue(c.reply().startsWith("250 "), "NOOP, after the delayed reply");
            assertTrue(c.reply().startsWith("250 "), "RSET");
            assertTrue(c.reply().startsWith("221 "), "QUIT");
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aFailedAuthIsAnsweredLateAndWhatFollowsItAfterIt() {
        try (SmtpTestServer server = SmtpTestServer.startSecure(Map.of("tls.allow-plaintext-auth", "true"));
             RawSmtp c = server.connect()) {
            assertTrue(c.reply().startsWith("220 "));
            String wrong = Base64.getEncoder().encodeToString("\0alice@example.test\0wrong".getBytes(StandardCharsets.UTF_8));
            c.write("EHLO client.test\r\nAUTH PLAIN " + wrong + "\r\nNOOP\r\n");
            assertTrue(c.reply().startsWith("250"), "EHLO");
            long t0 = System.nanoTime();
            assertTrue(c.reply().startsWith("535 "), "the failed AUTH");
            long delayed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(delayed >= 900, "the 535 came after " + delayed + " ms");
            assertTrue(c.reply().startsWith("250 "), "NOOP, after the 535");
        }
    }

    /**
     * CVE-2011-0411 behind a delayed reply: STARTTLS and the plaintext after it wait in the handler, not in the
     * executor's queue where the STARTTLS guard drops injected lines; they must be dropped all the same.
     */
    @Test
    void plaintextWaitingBehindADelayedReplyAndStartTlsIsDropped() throws Exception {
        try (SmtpTestServer server = SmtpTestServer.startSecure(Map.of("limits.errors", "6", "test.error-delay", "PT0.5S"));
             Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            RawSmtp plain = new RawSmtp(socket);
            assertTrue(plain.reply().startsWith("220 "));
            plain.write("EHLO client.test\r\nBAD1\r\nBAD2\r\nBAD3\r\nBAD4\r\nSTARTTLS\r\nEHLO injected.test\r\nMAIL FROM:<evil@far.test>\r\n");
            assertTrue(plain.reply().startsWith("250"));
            for (int i = 1; i <= 4; i++) {
                assertTrue(plain.reply().startsWith("500 "), "BAD" + i + " (the fourth is delayed)");
            }
            assertEquals("220 2.0.0 Ready to start TLS\r\n", plain.reply());
            SSLSocket tls = (SSLSocket) TestTls.trustingAnyone().getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
            tls.startHandshake();
            RawSmtp c = new RawSmtp(tls);
            // had the EHLO run under TLS, MAIL would be accepted; had the MAIL run, this would be a nested MAIL
            assertEquals("503 5.5.1 Error: send HELO/EHLO first\r\n", c.cmd("MAIL FROM:<someone@far.test>"));
            assertTrue(c.cmd("EHLO client.test").startsWith("250"));
        }
    }


    /**
     * More sessions than the listener has handler threads each wait for a tarpitted reply (20 s); a new client is
     * greeted and answered meanwhile. When the tarpit slept on the handler threads, all of them slept and the new
     * client waited for the first sleep to end.
     */
    @Test
    void tarpittedSessionsHoldNoHandlerThread() {
        int sessions = SmtpService.HANDLER_THREADS + 44;
        try (SmtpTestServer server = SmtpTestServer.start(Map.of("limits.errors", "4", "test.error-delay", "PT20S"))) {
            List<RawSmtp> tarpitted = new ArrayList<>();
            try {
                for (int i = 0; i < sessions; i++) {
                    RawSmtp c = server.connect();
                    tarpitted.add(c);
                    assertTrue(c.reply().startsWith("220 "));
                    c.write("EHLO client.test\r\nBAD1\r\nBAD2\r\nBAD3\r\n"); // the third error is answered 20 s later
                }
                for (RawSmtp c : tarpitted) {
                    assertTrue(c.reply().startsWith("250"));
                    assertTrue(c.reply().startsWith("500 "));
                    assertTrue(c.reply().startsWith("500 ")); // the session is now waiting for its third reply
                }
                long t0 = System.nanoTime();
                try (RawSmtp fresh = server.connect()) {
                    assertTrue(fresh.reply().startsWith("220 "));
                    assertTrue(fresh.cmd("EHLO other.test").startsWith("250"));
                    assertTrue(fresh.cmd("NOOP").startsWith("250 "));
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                System.out.printf("%d sessions in the tarpit; a new session greeted and answered EHLO and NOOP in %d ms%n", sessions, millis);
                assertTrue(millis < 10_000, "the new session waited " + millis + " ms");
            } finally {
                tarpitted.forEach(RawSmtp::close);
            }
        }
    }
}
