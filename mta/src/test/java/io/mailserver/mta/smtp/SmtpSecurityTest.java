package io.mailserver.mta.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.mailserver.config.ServerConfig;
import io.mailserver.session.LoginThrottle;
import io.mailserver.session.TlsInfo;

/** STARTTLS, AUTH and the submission rules in the protocol core: exact replies for exact input. */
class SmtpSecurityTest {
    static final String STRANGER = "192.0.2.10";
    static final TlsInfo TLS13 = new TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256");

    FakeStore store;
    LoginThrottle throttle;

    @BeforeEach
    void setUp() {
        store = new FakeStore().domain("example.test");
        store.user("alice@example.test", "Alice");
        store.user("bob@example.test", "Bob");
        store.disabledUser("gone@example.test");
        store.alias("sales@example.test", "alice@example.test", "bob@example.test");
        store.alias("bobs@example.test", "bob@example.test");
        throttle = new LoginThrottle(5, Duration.ofMinutes(15), java.time.Clock.systemUTC());
    }

    Dialog dialog(ListenerProfile profile, Map<String, String> config) {
        Map<String, String> keys = new java.util.HashMap<>(config);
        keys.putIfAbsent("server.hostname", "mx.example.test");
        SmtpContext ctx = new SmtpContext(SmtpSettings.from(ServerConfig.fromMap(keys)).withErrorDelay(Duration.ZERO), store, Dialog.CLOCK);
        SmtpSecurity.install(ctx, true, throttle, Duration.ofMillis(100), Duration.ofMillis(400));
        return new Dialog(ctx, STRANGER, profile);
    }

    Dialog dialog(ListenerProfile profile) {
        return dialog(profile, Map.of());
    }

    /** A session that has done STARTTLS and the handshake, and greeted again. */
    Dialog secured(ListenerProfile profile) {
        Dialog d = dialog(profile);
        d.each("EHLO client.test", "STARTTLS");
        d.protocol.tlsEstablished(TLS13);
        d.each("EHLO client.test");
        return d;
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void ehloOffersStartTlsBeforeAndAuthAfter() {
        Dialog d = dialog(ListenerProfile.MX);
        String before = d.send("EHLO client.test\r\n");
        assertTrue(before.contains("250-STARTTLS\r\n"), before);
        assertFalse(before.contains("AUTH"), before);

        assertEquals("220 2.0.0 Ready to start TLS\r\n", d.send("STARTTLS\r\n"));
        assertTrue(d.last().startTls());
        d.protocol.tlsEstablished(TLS13);

        // RFC 3207 4.2: the session forgot the EHLO
        assertEquals("503 5.5.1 Error: send HELO/EHLO first\r\n", d.send("MAIL FROM:<alice@example.test>\r\n"));
        String after = d.send("EHLO client.test\r\n");
        assertTrue(after.contains("250-AUTH PLAIN LOGIN\r\n"), after);
        assertFalse(after.contains("STARTTLS"), after);
    }

    @Test
    void startTlsRules() {
        Dialog d = dialog(ListenerProfile.MX);
        d.each("EHLO client.test");
        assertEquals("501 5.5.4 Syntax: STARTTLS\r\n", d.send("STARTTLS now\r\n"));
        assertFalse(d.last().startTls());
        d.send("STARTTLS\r\n");
        d.protocol.tlsEstablished(TLS13);
        d.each("EHLO client.test");
        assertEquals("503 5.5.1 Error: TLS already active\r\n", d.send("STARTTLS\r\n"));
        assertFalse(d.last().startTls());
    }

    @Test
    void startTlsRefusedAfterAuth() {
        Dialog d = dialog(ListenerProfile.MX, Map.of("tls.allow-plaintext-auth", "true"));
        String ehlo = d.send("EHLO client.test\r\n");
        assertTrue(ehlo.contains("250-STARTTLS\r\n") && ehlo.contains("250-AUTH PLAIN LOGIN\r\n"), ehlo);
        assertEquals("235 2.7.0 Authentication successful\r\n", d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n"));
        assertEquals("503 5.5.1 Error: STARTTLS not allowed after AUTH\r\n", d.send("STARTTLS\r\n"));
        assertFalse(d.send("EHLO client.test\r\n").contains("STARTTLS"));
    }

    @Test
    void authNeedsTls() {
        Dialog d = dialog(ListenerProfile.SUBMISSION);
        d.each("EHLO client.test");
        assertEquals("530 5.7.0 Must issue a STARTTLS command first\r\n", d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n"));
        assertEquals("530 5.7.0 Authentication required\r\n", d.send("MAIL FROM:<alice@example.test>\r\n"));
    }

    @Test
    void authPlainWithAndWithoutInitialResponse() {
        Dialog d = secured(ListenerProfile.SUBMISSION);
        assertEquals("235 2.7.0 Authentication successful\r\n", d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n"));
        assertEquals("alice@example.test", d.protocol.session().authenticatedUser());
        assertEquals("503 5.5.1 Error: already authenticated\r\n", d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n"));

        Dialog e = secured(ListenerProfile.SUBMISSION);
        assertEquals("334 \r\n", e.send("auth plain\r\n"));
        assertEquals("235 2.7.0 Authentication successful\r\n", e.send(b64("alice@example.test\0alice@example.test\0pw") + "\r\n"));
    }

    @Test
    void authLoginWithAndWithoutInitialResponse() {
        Dialog d = secured(ListenerProfile.SUBMISSION);
        assertEquals("334 VXNlcm5hbWU6\r\n", d.send("AUTH LOGIN\r\n"));
        assertEquals("334 UGFzc3dvcmQ6\r\n", d.send(b64("bob@example.test") + "\r\n"));
        assertEquals("235 2.7.0 Authentication successful\r\n", d.send(b64("pw") + "\r\n"));
        assertEquals("bob@example.test", d.protocol.session().authenticatedUser());

        Dialog e = secured(ListenerProfile.SUBMISSION);
        assertEquals("334 UGFzc3dvcmQ6\r\n", e.send("AUTH LOGIN " + b64("bob@example.test") + "\r\n"));
        assertEquals("235 2.7.0 Authentication successful\r\n", e.send(b64("pw") + "\r\n"));
    }

    @Test
    void bareUserNameUsesTheDefaultDomain() {
        Dialog d = dialog(ListenerProfile.SUBMISSION, Map.of("server.default-domain", "example.test", "tls.allow-plaintext-auth", "true"));
        d.each("EHLO client.test");
        assertEquals("235 2.7.0 Authentication successful\r\n", d.send("AUTH PLAIN " + b64("\0alice\0pw") + "\r\n"));
        assertEquals("alice@example.test", d.protocol.session().authenticatedUser());
    }

    @Test
    void cancelBadBase64AndUnknownMechanism() {
        Dialog d = secured(ListenerProfile.SUBMISSION);
        assertEquals("334 \r\n", d.send("AUTH PLAIN\r\n"));
        assertEquals("501 5.0.0 Authentication cancelled\r\n", d.send("*\r\n"));
        assertEquals("334 VXNlcm5hbWU6\r\n", d.send("AUTH LOGIN\r\n"));
        assertEquals("334 UGFzc3dvcmQ6\r\n", d.send(b64("bob@example.test") + "\r\n"));
        assertEquals("501 5.0.0 Authentication cancelled\r\n", d.send("*\r\n"));
        assertEquals("501 5.5.2 Cannot decode response\r\n", d.send("AUTH PLAIN not*base64\r\n"));
        assertEquals("334 \r\n", d.send("AUTH PLAIN\r\n"));
        assertEquals("501 5.5.2 Cannot decode response\r\n", d.send("%%%\r\n"));
        assertEquals("504 5.5.4 Unrecognized authentication type\r\n", d.send("AUTH CRAM-MD5\r\n"));
        assertEquals("501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n", d.send("AUTH\r\n"));
        // after all that, a normal command is a command again
        assertEquals("250 2.0.0 Ok\r\n", d.send("NOOP\r\n"));
        assertEquals(null, d.protocol.session().authenticatedUser());
    }

    @Test
    void wrongPasswordIs535AndSlowedDown() {
        Dialog d = secured(ListenerProfile.SUBMISSION);
        assertEquals("535 5.7.8 Authentication credentials invalid\r\n", d.send("AUTH PLAIN " + b64("\0alice@example.test\0nope") + "\r\n"));
        assertEquals(Duration.ofMillis(100), d.last().delay());
        assertEquals("535 5.7.8 Authentication credentials invalid\r\n", d.send("AUTH PLAIN " + b64("\0nobody@example.test\0pw") + "\r\n"));
        assertEquals(Duration.ofMillis(200), d.last().delay());
        assertEquals("535 5.7.8 Authentication credentials invalid\r\n", d.send("AUTH PLAIN " + b64("\0gone@example.test\0pw") + "\r\n"));
        assertEquals(Duration.ofMillis(400), d.last().delay());
        // someone else's identity as authzid
        assertEquals("535 5.7.8 Authentication credentials invalid\r\n", d.send("AUTH PLAIN " + b64("bob@example.test\0alice@example.test\0pw") + "\r\n"));
        assertEquals(Duration.ofMillis(400), d.last().delay(), "capped");
        // malformed PLAIN message
        assertEquals("535 5.7.8 Authentication credentials invalid\r\n", d.send("AUTH PLAIN " + b64("alice@example.test pw") + "\r\n"));
    }

    @Test
    void tooManyFailuresFromOneAddressAreRefusedForAWhile() {
        for (int i = 0; i < 5; i++) {
            Dialog d = secured(ListenerProfile.SUBMISSION);
            assertTrue(d.send("AUTH PLAIN " + b64("\0alice@example.test\0guess" + i) + "\r\n").startsWith("535 "));
        }
        Dialog d = secured(ListenerProfile.SUBMISSION);
        String reply = "454 4.7.0 Too many failed authentications from your address; try again later\r\n";
        assertEquals(reply, d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n"), "even the right password");
        assertEquals(reply, d.send("AUTH LOGIN\r\n"));
    }

    @Test
    void submissionNeedsAuthAndOwnSender() {
        Dialog d = secured(ListenerProfile.SUBMISSION);
        assertEquals("530 5.7.0 Authentication required\r\n", d.send("MAIL FROM:<alice@example.test>\r\n"));
        d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n");
        assertEquals("553 5.7.1 Sender address rejected: <bob@example.test> not owned by user alice@example.test\r\n",
                d.send("MAIL FROM:<bob@example.test>\r\n"));
        assertEquals("553 5.7.1 Sender address rejected: <bobs@example.test> not owned by user alice@example.test\r\n",
                d.send("MAIL FROM:<bobs@example.test>\r\n"));
        assertTrue(d.send("MAIL FROM:<someone@far.test>\r\n").startsWith("553 5.7.1 "));
        assertEquals("250 2.1.0 Ok\r\n", d.send("MAIL FROM:<Alice@Example.TEST>\r\n"));
        d.send("RSET\r\n");
        assertEquals("250 2.1.0 Ok\r\n", d.send("MAIL FROM:<sales@example.test> AUTH=<>\r\n"), "an alias that delivers to her");
        d.send("RSET\r\n");
        assertEquals("250 2.1.0 Ok\r\n", d.send("MAIL FROM:<>\r\n"));
        // authenticated: relaying to any domain
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<friend@far.test>\r\n"));
    }

    @Test
    void authOnTheMxPortAllowsRelaying() {
        Dialog d = secured(ListenerProfile.MX);
        d.send("MAIL FROM:<someone@far.test>\r\n");
        assertEquals("554 5.7.1 <friend@far.test>: Relay access denied\r\n", d.send("RCPT TO:<friend@far.test>\r\n"));
        d.send("RSET\r\n");
        assertEquals("235 2.7.0 Authentication successful\r\n", d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n"));
        d.send("MAIL FROM:<alice@example.test>\r\n");
        assertEquals("250 2.1.5 Ok\r\n", d.send("RCPT TO:<friend@far.test>\r\n"));
    }

    @Test
    void authDuringATransactionIsRefused() {
        Dialog d = secured(ListenerProfile.MX);
        d.send("MAIL FROM:<someone@far.test>\r\n");
        assertEquals("503 5.5.1 Error: MAIL transaction in progress\r\n", d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n"));
    }

    @Test
    void receivedHeaderNamesTlsAndAuth() {
        Dialog d = secured(ListenerProfile.SUBMISSION);
        d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n");
        d.send("MAIL FROM:<alice@example.test>\r\n");
        d.send("RCPT TO:<bob@example.test>\r\n");
        d.send("DATA\r\n");
        assertTrue(d.send("Subject: x\r\n\r\nhi\r\n.\r\n").startsWith("250 2.0.0 Ok: queued as "));
        String stored = store.committed.get(store.committed.size() - 1).text();
        assertTrue(stored.startsWith("Received: from client.test ([192.0.2.10])\r\n\tby mx.example.test with ESMTPSA id "), stored);
        assertTrue(stored.contains("\r\n\t(version=TLSv1.3 cipher=TLS_AES_128_GCM_SHA256)\r\n\tfor <bob@example.test>; "), stored);

        Dialog plain = dialog(ListenerProfile.MX);
        plain.each("EHLO client.test", "STARTTLS");
        plain.protocol.tlsEstablished(TLS13);
        plain.each("EHLO client.test", "MAIL FROM:<x@far.test>", "RCPT TO:<bob@example.test>", "DATA");
        plain.send("Subject: y\r\n\r\nhi\r\n.\r\n");
        String mx = store.committed.get(store.committed.size() - 1).text();
        assertTrue(mx.contains(" with ESMTPS id "), mx);
    }

    Dialog dialogFrom(String clientIp, ListenerProfile profile, Map<String, String> config) {
        Map<String, String> keys = new java.util.HashMap<>(config);
        keys.putIfAbsent("server.hostname", "mx.example.test");
        SmtpContext ctx = new SmtpContext(SmtpSettings.from(ServerConfig.fromMap(keys)).withErrorDelay(Duration.ZERO), store, Dialog.CLOCK);
        SmtpSecurity.install(ctx, true, throttle, Duration.ofMillis(100), Duration.ofMillis(400));
        return new Dialog(ctx, clientIp, profile);
    }

    /** True when EHLO offers AUTH and AUTH PLAIN before STARTTLS logs in; false when neither (530). */
    boolean plaintextLoginWorks(String clientIp, ListenerProfile profile, Map<String, String> config) {
        Dialog d = dialogFrom(clientIp, profile, config);
        boolean offered = d.send("EHLO client.test\r\n").contains("250-AUTH PLAIN LOGIN\r\n");
        String reply = d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n");
        boolean accepted = reply.equals("235 2.7.0 Authentication successful\r\n");
        assertEquals(offered, accepted, "offered exactly where accepted: " + reply);
        if (!accepted) {
            assertEquals("530 5.7.0 Must issue a STARTTLS command first\r\n", reply);
        }
        return accepted;
    }

    /**
     * {@code smtp.plaintext-auth} and {@code submission.plaintext-auth}, each listener on its own, by client address:
     * loopback admits 127.0.0.0/8 and ::1 only. (Sockets in tests all come from loopback; SmtpLoginSecurityTest runs
     * the loopback side over real connections.)
     */
    @Test
    void plaintextAuthPerListenerAndClientAddress() {
        String[] remote = { STRANGER, "10.1.2.3", "2001:db8::25" };
        String[] loopback = { "127.0.0.1", "127.0.0.2", "::1" };
        for (ListenerProfile profile : ListenerProfile.values()) {
            String key = profile == ListenerProfile.MX ? "smtp.plaintext-auth" : "submission.plaintext-auth";
            String other = profile == ListenerProfile.MX ? "submission.plaintext-auth" : "smtp.plaintext-auth";
            for (String ip : loopback) {
                assertFalse(plaintextLoginWorks(ip, profile, Map.of()), "default never: " + profile + " " + ip);
                assertFalse(plaintextLoginWorks(ip, profile, Map.of(key, "never", other, "always")), profile + " " + ip);
                assertTrue(plaintextLoginWorks(ip, profile, Map.of(key, "loopback")), profile + " " + ip);
                assertTrue(plaintextLoginWorks(ip, profile, Map.of(key, "always", other, "never")), profile + " " + ip);
            }
            for (String ip : remote) {
                assertFalse(plaintextLoginWorks(ip, profile, Map.of(key, "loopback", other, "always")), profile + " " + ip);
                assertTrue(plaintextLoginWorks(ip, profile, Map.of(key, "always")), profile + " " + ip);
                assertTrue(plaintextLoginWorks(ip, profile, Map.of("tls.allow-plaintext-auth", "true")), "deprecated switch: " + ip);
                assertFalse(plaintextLoginWorks(ip, profile, Map.of("tls.allow-plaintext-auth", "true", key, "loopback")), profile + " " + ip);
            }
        }
    }

    /** Where plaintext login is not allowed, STARTTLS still leads to AUTH, for any client. */
    @Test
    void afterStartTlsAuthWorksWhateverThePlaintextPolicy() {
        Dialog d = dialogFrom(STRANGER, ListenerProfile.SUBMISSION, Map.of("submission.plaintext-auth", "loopback"));
        d.each("EHLO client.test", "STARTTLS");
        d.protocol.tlsEstablished(TLS13);
        assertTrue(d.send("EHLO client.test\r\n").contains("250-AUTH PLAIN LOGIN\r\n"));
        assertEquals("235 2.7.0 Authentication successful\r\n", d.send("AUTH PLAIN " + b64("\0alice@example.test\0pw") + "\r\n"));
    }

    @Test
    void noStartTlsWithoutACertificate() {
        SmtpContext ctx = new SmtpContext(SmtpSettings.from(ServerConfig.fromMap(Map.of("server.hostname", "mx.example.test"))), store,
                Dialog.CLOCK);
        SmtpSecurity.install(ctx, false, throttle);
        Dialog d = new Dialog(ctx, STRANGER, ListenerProfile.MX);
        assertFalse(d.send("EHLO client.test\r\n").contains("STARTTLS"));
        assertEquals("502 5.5.1 Error: command not implemented\r\n", d.send("STARTTLS\r\n"));
    }
}
