package io.mailserver.relay.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.relay.Destination;
import io.mailserver.relay.Hop;
import io.mailserver.relay.RelayTlsPolicy;
import io.mailserver.relay.testing.PeerSmtpServer;
import io.mailserver.relay.testing.TestCerts;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SMTP client against a scripted peer over real sockets on 127.0.0.1. */
@Timeout(30)
class SmtpClientSessionTest {
    private static final SmtpTimeouts FAST = SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofSeconds(2));
    private PeerSmtpServer peer;

    @BeforeEach
    void start() throws IOException {
        peer = new PeerSmtpServer();
    }

    @AfterEach
    void stop() throws IOException {
        peer.close();
    }

    private Hop hop() {
        return new Hop("localhost", InetAddress.getLoopbackAddress(), peer.port());
    }

    private SmtpClientSession open(RelayTlsPolicy tls, Optional<Destination.Credentials> creds, ClientTls clientTls) throws SessionFailure {
        return SmtpClientSession.open(hop(), "me.test", FAST, clientTls, tls, true, creds);
    }

    private SmtpClientSession open() throws SessionFailure {
        return open(RelayTlsPolicy.OPPORTUNISTIC, Optional.empty(), ClientTls.defaults());
    }

    static MessageContent content(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        try {
            return MessageContent.scan(() -> new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void pipelinedTransactionWithSeveralRecipients() throws Exception {
        String msg = "Subject: hi\r\n\r\n.leading dot\r\nline\r\n";
        try (SmtpClientSession s = open()) {
            List<RecipientOutcome> out = s.send(new Envelope("a@me.test", List.of("x@peer.test", "y@peer.test"), content(msg)));
            assertEquals(List.of(RecipientOutcome.Result.DELIVERED, RecipientOutcome.Result.DELIVERED), out.stream().map(RecipientOutcome::result).toList());
            assertEquals("250 2.0.0 Ok: queued", out.get(0).reply());
            s.quit();
        }
        PeerSmtpServer.Received m = peer.messages.get(0);
        assertEquals(msg, m.text());
        assertEquals("Subject: hi\r\n\r\n..leading dot\r\nline\r\n.\r\n", new String(m.wire(), StandardCharsets.ISO_8859_1));
        assertEquals(List.of("x@peer.test", "y@peer.test"), m.recipients());
        assertEquals("SIZE=" + msg.length(), m.mailParams());
        assertEquals(List.of("EHLO me.test", "MAIL FROM:<a@me.test> SIZE=" + msg.length(), "RCPT TO:<x@peer.test>", "RCPT TO:<y@peer.test>", "DATA", "QUIT"),
                peer.transcript);
    }

    @Test
    void eightBitDeclaredOnlyWhenOffered() throws Exception {
        try (SmtpClientSession s = open()) {
            s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("Subject: caf\u00e9\r\n\r\nb\r\n")));
        }
        assertTrue(peer.messages.get(0).mailParams().endsWith("BODY=8BITMIME"));
        peer.extensions = List.of("PIPELINING");
        try (SmtpClientSession s = open()) {
            s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("Subject: caf\u00e9\r\n\r\nb\r\n")));
        }
        assertEquals("", peer.messages.get(1).mailParams());
    }

    @Test
    void withoutPipeliningOneCommandAtATimeAndHeloFallback() throws Exception {
        peer.ehloUnknown = true;
        try (SmtpClientSession s = open()) {
            List<RecipientOutcome> out = s.send(new Envelope("", List.of("x@peer.test"), content("a\r\n")));
            assertEquals(RecipientOutcome.Result.DELIVERED, out.get(0).result());
        }
        assertEquals(List.of("EHLO me.test", "HELO me.test", "MAIL FROM:<>", "RCPT TO:<x@peer.test>", "DATA"), peer.transcript);
    }

    @Test
    void perRecipientReplies() throws Exception {
        peer.rcptReply = r -> switch (r) {
            case "gone@peer.test" -> "550 5.1.1 <gone@peer.test>: Recipient address rejected: User unknown";
            case "full@peer.test" -> "452 4.2.2 Mailbox full";
            default -> "250 2.1.5 Ok";
        };
        try (SmtpClientSession s = open()) {
            List<RecipientOutcome> out = s.send(new Envelope("a@me.test", List.of("gone@peer.test", "full@peer.test", "ok@peer.test"), content("x\r\n")));
            assertEquals(RecipientOutcome.Result.FAILED, out.get(0).result());
            assertEquals("5.1.1", out.get(0).status());
            assertEquals("550 5.1.1 <gone@peer.test>: Recipient address rejected: User unknown", out.get(0).reply());
            assertEquals(RecipientOutcome.Result.DEFERRED, out.get(1).result());
            assertEquals(RecipientOutcome.Result.DELIVERED, out.get(2).result());
            // a second transaction on the same connection
            List<RecipientOutcome> again = s.send(new Envelope("a@me.test", List.of("ok@peer.test"), content("y\r\n")));
            assertEquals(RecipientOutcome.Result.DELIVERED, again.get(0).result());
        }
        assertEquals(List.of("ok@peer.test"), peer.messages.get(0).recipients());
        assertEquals(2, peer.messages.size());
        assertEquals(1, peer.connections());
    }

    @Test
    void noRecipientAcceptedMeansNoContentAndAReset() throws Exception {
        peer.rcptReply = r -> "550 5.1.1 no";
        try (SmtpClientSession s = open()) {
            List<RecipientOutcome> out = s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("x\r\n")));
            assertEquals(RecipientOutcome.Result.FAILED, out.get(0).result());
            peer.rcptReply = r -> "250 ok";
            assertEquals(RecipientOutcome.Result.DELIVERED, s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("x\r\n"))).get(0).result());
        }
        assertTrue(peer.transcript.contains("RSET"), peer.transcript.toString());
        assertEquals(1, peer.dataEnds.get());
    }

    @Test
    void replyToFinalDotDecides() throws Exception {
        peer.dataReply = m -> "451 4.3.0 try later";
        try (SmtpClientSession s = open()) {
            RecipientOutcome o = s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("x\r\n"))).get(0);
            assertEquals(RecipientOutcome.Result.DEFERRED, o.result());
            peer.dataReply = m -> "554 5.7.1 spam";
            o = s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("x\r\n"))).get(0);
            assertEquals(RecipientOutcome.Result.FAILED, o.result());
            assertEquals("554 5.7.1 spam", o.reply());
        }
    }

    @Test
    void mailFromRefused() throws Exception {
        peer.mailReply = s -> "553 5.7.1 sender refused";
        try (SmtpClientSession s = open()) {
            List<RecipientOutcome> out = s.send(new Envelope("a@me.test", List.of("x@peer.test", "y@peer.test"), content("x\r\n")));
            assertTrue(out.stream().allMatch(o -> o.result() == RecipientOutcome.Result.FAILED && o.reply().equals("553 5.7.1 sender refused")));
        }
        assertEquals(0, peer.dataEnds.get());
    }

    @Test
    void droppedConnectionAfterContentDefers() throws Exception {
        peer.dataReply = m -> PeerSmtpServer.DROP;
        try (SmtpClientSession s = open()) {
            RecipientOutcome o = s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("x\r\n"))).get(0);
            assertEquals(RecipientOutcome.Result.DEFERRED, o.result());
            assertTrue(o.reply().startsWith("lost connection with localhost[127.0.0.1]:" + peer.port() + " while sending end of data"), o.reply());
            assertFalse(s.usable());
        }
    }

    @Test
    void stalledServerTimesOut() throws Exception {
        peer.dataReply = m -> PeerSmtpServer.STALL;
        try (SmtpClientSession s = open()) {
            RecipientOutcome o = s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("x\r\n"))).get(0);
            assertEquals(RecipientOutcome.Result.DEFERRED, o.result());
            assertTrue(o.reply().contains("timed out while sending end of data"), o.reply());
        }
    }

    @Test
    void refusedGreetingAndRefusedConnection() throws Exception {
        peer.greeting = "554 5.7.1 go away";
        SessionFailure f = assertThrows(SessionFailure.class, this::open);
        assertTrue(f.permanent());
        peer.greeting = "421 4.3.2 busy";
        f = assertThrows(SessionFailure.class, this::open);
        assertFalse(f.permanent());
        // port 1 on loopback: nothing listens there, and it is outside the ephemeral range, so the
        // client cannot connect to itself (a closed ephemeral port can: TCP simultaneous open)
        int port = 1;
        Hop dead = new Hop("localhost", InetAddress.getLoopbackAddress(), port);
        f = assertThrows(SessionFailure.class,
                () -> SmtpClientSession.open(dead, "me.test", FAST, ClientTls.defaults(), RelayTlsPolicy.OPPORTUNISTIC, true, Optional.empty()));
        assertTrue(f.getMessage().startsWith("connect to localhost[127.0.0.1]:" + port), f.getMessage());
        assertFalse(f.permanent());
    }

    @Test
    void sizeLimitRespected() throws Exception {
        peer.extensions = List.of("SIZE 10");
        try (SmtpClientSession s = open()) {
            RecipientOutcome o = s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("0123456789abcdef\r\n"))).get(0);
            assertEquals(RecipientOutcome.Result.FAILED, o.result());
            assertEquals("5.3.4", o.status());
        }
        assertFalse(peer.transcript.stream().anyMatch(l -> l.startsWith("MAIL")));
    }

    @Test
    void opportunisticTlsAcceptsAnyCertificate() throws Exception {
        peer.tls = TestCerts.serverContext();
        try (SmtpClientSession s = open()) {
            assertTrue(s.tlsActive());
            s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("x\r\n")));
        }
        assertTrue(peer.messages.get(0).tls());
        assertEquals(List.of("EHLO me.test", "STARTTLS", "EHLO me.test"), peer.transcript.subList(0, 3));
    }

    @Test
    void requiredTlsWithAuthToSmarthost() throws Exception {
        peer.tls = TestCerts.serverContext();
        peer.authUser = "relayuser";
        peer.authPassword = "s3cret";
        ClientTls verified = ClientTls.withVerified(TestCerts.trustingContext());
        Optional<Destination.Credentials> creds = Optional.of(new Destination.Credentials("relayuser", "s3cret"));
        try (SmtpClientSession s = open(RelayTlsPolicy.REQUIRED, creds, verified)) {
            assertTrue(s.tlsActive());
            assertEquals(RecipientOutcome.Result.DELIVERED, s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("x\r\n"))).get(0).result());
        }
        // the JVM's default trust store does not know the test certificate: required TLS refuses it
        SessionFailure f = assertThrows(SessionFailure.class, () -> open(RelayTlsPolicy.REQUIRED, creds, ClientTls.defaults()));
        assertFalse(f instanceof SessionFailure.TlsHandshakeFailed);
        // wrong password: kept for later, not bounced
        f = assertThrows(SessionFailure.class, () -> open(RelayTlsPolicy.REQUIRED, Optional.of(new Destination.Credentials("relayuser", "bad")), verified));
        assertFalse(f.permanent());
        assertTrue(f.getMessage().contains("535 5.7.8"), f.getMessage());
    }

    @Test
    void requiredTlsNotOfferedAndNoPasswordInClear() throws Exception {
        SessionFailure f = assertThrows(SessionFailure.class, () -> open(RelayTlsPolicy.REQUIRED, Optional.empty(), ClientTls.defaults()));
        assertEquals("4.7.4", f.status());
        peer.authUser = "u";
        peer.authPassword = "p";
        f = assertThrows(SessionFailure.class, () -> open(RelayTlsPolicy.OPPORTUNISTIC, Optional.of(new Destination.Credentials("u", "p")), ClientTls.defaults()));
        assertTrue(f.getMessage().contains("without TLS"));
        // tls = none is the operator's explicit choice: AUTH LOGIN in clear
        peer.extensions = List.of();
        try (SmtpClientSession s = open(RelayTlsPolicy.NONE, Optional.of(new Destination.Credentials("u", "p")), ClientTls.defaults())) {
            assertEquals(RecipientOutcome.Result.DELIVERED, s.send(new Envelope("a@me.test", List.of("x@peer.test"), content("x\r\n"))).get(0).result());
        }
    }

    @Test
    void contentStreamsFromTheSourceEachTime() throws Exception {
        int[] opened = {0};
        MessageContent big = new MessageContent() {
            @Override
            public InputStream open() {
                opened[0]++;
                return new InputStream() {
                    long left = 5_000_000;

                    @Override
                    public int read() {
                        if (left-- <= 0) {
                            return -1;
                        }
                        return left % 80 == 0 ? '\n' : (left % 80 == 79 ? '.' : 'x');
                    }
                };
            }

            @Override
            public long size() {
                return 5_000_000;
            }

            @Override
            public boolean eightBit() {
                return false;
            }
        };
        peer.extensions = List.of("PIPELINING", "SIZE 100000000");
        try (SmtpClientSession s = open()) {
            assertEquals(RecipientOutcome.Result.DELIVERED, s.send(new Envelope("a@me.test", List.of("x@peer.test"), big)).get(0).result());
        }
        assertEquals(1, opened[0]);
        assertInstanceOf(byte[].class, peer.messages.get(0).content());
        assertEquals(5_000_000 + 5_000_000 / 80, peer.messages.get(0).content().length); // every bare LF became CRLF
    }
}
