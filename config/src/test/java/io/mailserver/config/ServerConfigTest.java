package io.mailserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @TempDir
    Path dir;

    private Path file(String text) throws Exception {
        Path f = dir.resolve("mailserver.conf");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        ServerConfig c = ServerConfig.defaults();
        assertEquals(new HostPort("0.0.0.0", 2525), c.smtpListen().orElseThrow());
        assertEquals(2587, c.submissionListen().orElseThrow().port());
        assertEquals(2465, c.smtpsListen().orElseThrow().port());
        assertEquals(2110, c.pop3Listen().orElseThrow().port());
        assertEquals(2995, c.pop3sListen().orElseThrow().port());
        assertEquals(PlaintextAuth.NEVER, c.smtpPlaintextAuth());
        assertEquals(PlaintextAuth.NEVER, c.submissionPlaintextAuth());
        assertEquals(PlaintextAuth.NEVER, c.pop3PlaintextAuth());
        assertTrue(c.deprecations().isEmpty());
        assertEquals(32L * 1024 * 1024, c.maxMessageSize());
        assertEquals(Duration.ofMinutes(5), c.smtpTimeout());
        assertTrue(c.pop3Timeout().compareTo(Duration.ofMinutes(10)) >= 0, "RFC 1939 autologout is at least 10 minutes");
        assertTrue(c.databaseUrl().isEmpty());
        assertEquals(ServerConfig.Disclosure.TRUSTED, c.vrfy());
        assertTrue(c.rejectBareNewline());
        assertTrue(c.contentRejectPatterns().isEmpty());
        assertFalse(c.hostname().isEmpty());
    }

    @Test
    void trustedNetworksDefaultToLoopbackOnly() throws Exception {
        ServerConfig c = ServerConfig.defaults();
        assertTrue(c.isTrusted(InetAddress.getByName("127.0.0.1")));
        assertTrue(c.isTrusted(InetAddress.getByName("127.5.6.7")));
        assertTrue(c.isTrusted(InetAddress.getByName("::1")));
        assertFalse(c.isTrusted(InetAddress.getByName("10.0.0.1")));
        assertFalse(c.isTrusted(InetAddress.getByName("192.168.1.1")));
        assertFalse(c.isTrusted(InetAddress.getByName("::2")));
    }

    @Test
    void fileValuesAndCommentsAreRead() throws Exception {
        ServerConfig c = ServerConfig.load(file("""
                # a comment
                server.hostname = mail.example.test

                smtp.listen = 127.0.0.1:25
                pop3.listen =
                limits.message-size = 10M
                network.trusted = 192.0.2.0/24, 2001:db8::/32
                relay.routes = remote.test -> [127.0.0.1]:2600, Other.Test -> smtp.other.test:25
                content.reject-pattern = (?i)viagra
                content.reject-pattern = a,b
                """), Map.of());
        assertEquals("mail.example.test", c.hostname());
        assertEquals(new HostPort("127.0.0.1", 25), c.smtpListen().orElseThrow());
        assertTrue(c.pop3Listen().isEmpty(), "an empty listen address turns the listener off");
        assertEquals(10L * 1024 * 1024, c.maxMessageSize());
        assertTrue(c.isTrusted(InetAddress.getByName("192.0.2.77")));
        assertTrue(c.isTrusted(InetAddress.getByName("2001:db8::5")));
        assertFalse(c.isTrusted(InetAddress.getByName("127.0.0.1")));
        assertEquals(new HostPort("127.0.0.1", 2600), c.relayRoutes().get("remote.test"));
        assertEquals(new HostPort("smtp.other.test", 25), c.relayRoutes().get("other.test"));
        assertEquals(2, c.contentRejectPatterns().size());
        assertEquals("a,b", c.contentRejectPatterns().get(1).pattern());
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        ServerConfig c = ServerConfig.load(file("smtp.listen = 127.0.0.1:25\n"),
                Map.of("MAILSERVER_SMTP_LISTEN", "127.0.0.1:2626", "MAILSERVER_LIMITS_MESSAGE_SIZE", "1M", "PATH", "/bin"));
        assertEquals(2626, c.smtpListen().orElseThrow().port());
        assertEquals(1024 * 1024, c.maxMessageSize());
    }

    @Test
    void unknownKeyInFileNamesKeyAndLine() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(file("server.hostname = a.test\nsmtp.lsten = 1\n"), Map.of()));
        assertTrue(e.getMessage().contains("smtp.lsten"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void unknownEnvironmentSettingIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(null, Map.of("MAILSERVER_SMTP_LISTN", "x")));
        assertTrue(e.getMessage().contains("MAILSERVER_SMTP_LISTN"), e.getMessage());
    }

    @Test
    void badValuesNameKeyValueAndExpectation() throws Exception {
        assertBad("limits.message-size = lots", "limits.message-size", "lots", "size");
        assertBad("smtp.listen = localhost", "smtp.listen", "localhost", "host:port");
        assertBad("smtp.listen = 1.2.3.4:70000", "smtp.listen", "70000", "port");
        assertBad("network.trusted = 10.0.0.0/33", "network.trusted", "10.0.0.0/33", "networks");
        assertBad("network.trusted = example.org", "network.trusted", "example.org", "networks");
        assertBad("smtp.timeout = 5 minutes", "smtp.timeout", "5 minutes", "duration");
        assertBad("tls.allow-plaintext-auth = yes", "tls.allow-plaintext-auth", "yes", "true or false");
        assertBad("pop3.plaintext-auth = yes", "pop3.plaintext-auth", "yes", "never, loopback, always");
        assertBad("smtp.vrfy = sometimes", "smtp.vrfy", "sometimes", "everyone, trusted, nobody");
        assertBad("relay.routes = remote.test 127.0.0.1:25", "relay.routes", "remote.test", "->");
        assertBad("content.reject-pattern = ([", "content.reject-pattern", "([", "regular expression");
        assertBad("limits.command-line-length = 100", "limits.command-line-length", "100", "512");
        assertBad("server.hostname = bad_host!", "server.hostname", "bad_host!", "host name");
        assertBad("server.postmaster = nobody", "server.postmaster", "nobody", "address");
    }

    @Test
    void certificateAndKeyGoTogether() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(file("tls.cert-chain = /etc/cert.pem\n"), Map.of()));
        assertTrue(e.getMessage().contains("tls.private-key"), e.getMessage());
    }

    @Test
    void keySetTwiceIsRefused() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(file("smtp.listen = :25\nsmtp.listen = :26\n"), Map.of()));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }

    @Test
    void missingFileIsAClearError() {
        ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(dir.resolve("nope.conf"), Map.of()));
        assertTrue(e.getMessage().contains("nope.conf"), e.getMessage());
    }

    @Test
    void withChangesAndValidates() {
        ServerConfig c = ServerConfig.defaults().with(Map.of("smtp.listen", "127.0.0.1:0"));
        assertEquals(0, c.smtpListen().orElseThrow().port());
        assertThrows(ConfigException.class, () -> c.with(Map.of("smtp.listen", "nope")));
    }

    @Test
    void plaintextAuthIsSetPerListener() throws Exception {
        ServerConfig c = ServerConfig.load(file("""
                smtp.plaintext-auth = never
                submission.plaintext-auth = Loopback
                pop3.plaintext-auth = always
                """), Map.of());
        assertEquals(PlaintextAuth.NEVER, c.smtpPlaintextAuth());
        assertEquals(PlaintextAuth.LOOPBACK, c.submissionPlaintextAuth());
        assertEquals(PlaintextAuth.ALWAYS, c.pop3PlaintextAuth());
        assertTrue(c.deprecations().isEmpty());
        ServerConfig env = ServerConfig.load(null, Map.of("MAILSERVER_POP3_PLAINTEXT_AUTH", "loopback"));
        assertEquals(PlaintextAuth.LOOPBACK, env.pop3PlaintextAuth());
    }

    /** The old single switch keeps existing files working: true means always, except where a listener says otherwise. */
    @Test
    void deprecatedSwitchMeansAlwaysWhereAListenerKeyIsNotSet() throws Exception {
        ServerConfig old = ServerConfig.load(file("tls.allow-plaintext-auth = true\n"), Map.of());
        assertEquals(PlaintextAuth.ALWAYS, old.smtpPlaintextAuth());
        assertEquals(PlaintextAuth.ALWAYS, old.submissionPlaintextAuth());
        assertEquals(PlaintextAuth.ALWAYS, old.pop3PlaintextAuth());
        assertEquals(1, old.deprecations().size());
        assertTrue(old.deprecations().get(0).contains("pop3.plaintext-auth"), old.deprecations().get(0));

        ServerConfig mixed = old.with(Map.of("pop3.plaintext-auth", "never", "smtp.plaintext-auth", "loopback"));
        assertEquals(PlaintextAuth.LOOPBACK, mixed.smtpPlaintextAuth());
        assertEquals(PlaintextAuth.ALWAYS, mixed.submissionPlaintextAuth(), "not set: the old switch still counts");
        assertEquals(PlaintextAuth.NEVER, mixed.pop3PlaintextAuth(), "set explicitly, even to the default: it wins");

        ServerConfig off = ServerConfig.fromMap(Map.of("tls.allow-plaintext-auth", "false"));
        assertEquals(PlaintextAuth.NEVER, off.pop3PlaintextAuth());
    }

    @Test
    void loopbackMeansTheLoopbackNetworksOnly() throws Exception {
        for (String loopback : new String[] {"127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "::ffff:127.0.0.1"}) {
            assertTrue(PlaintextAuth.LOOPBACK.permits(InetAddress.getByName(loopback)), loopback);
        }
        for (String remote : new String[] {"192.0.2.1", "10.0.0.1", "128.0.0.1", "::2", "2001:db8::1", "::ffff:192.0.2.1", "0.0.0.0", "::"}) {
            assertFalse(PlaintextAuth.LOOPBACK.permits(InetAddress.getByName(remote)), remote);
            assertTrue(PlaintextAuth.ALWAYS.permits(InetAddress.getByName(remote)), remote);
        }
        assertFalse(PlaintextAuth.LOOPBACK.permits(null));
        assertFalse(PlaintextAuth.NEVER.permits(InetAddress.getByName("127.0.0.1")));
    }

    @Test
    void sizesAndDurations() {
        assertEquals(512 * 1024, Values.parseSize("512K"));
        assertEquals(10240000, Values.parseSize("10240000"));
        assertEquals(Duration.ofDays(5), Values.parseDuration("5d"));
        assertEquals(Duration.ofMillis(250), Values.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(300), Values.parseDuration("300"));
    }

    @Test
    void cidrMatchesV4MappedV6() throws Exception {
        Cidr c = Cidr.parse("127.0.0.0/8");
        assertTrue(c.contains(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1})));
    }

    private void assertBad(String line, String key, String value, String expected) throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> ServerConfig.load(file(line + "\n"), Map.of()), line);
        String m = e.getMessage();
        assertTrue(m.contains(key), m);
        assertTrue(m.contains(value), m);
        assertTrue(m.contains(expected), m);
    }

    @org.junit.jupiter.api.Test
    void outboundLimitsAreChecked() {
        for (String[] bad : new String[][] {{"relay.concurrency", "0"}, {"relay.concurrency-per-destination", "0"}, {"relay.lease", "500ms"},
                {"relay.poll-interval", "0"}, {"relay.retry-initial", "0"}, {"relay.retry-initial", "2h"}}) {
            ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> ServerConfig.fromMap(java.util.Map.of(bad[0], bad[1])));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(bad[0]), e.getMessage());
        }
    }
}
