package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.eclipse.angus.mail.pop3.POP3Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.mailserver.store.User;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;

/**
 * 7 MB and 50 MB messages fetched over POP3S and STLS by real clients, Angus Mail, curl and fetchmail, compared
 * by SHA-256 with what was stored. {@code -Dtls.repeat=N} repeats each fetch N times.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class Pop3LargeTlsClientsTest {
    private static final int REPEAT = Integer.getInteger("tls.repeat", 1);

    private Pop3Fixture f;
    private SSLContext trusting;
    private User seven;
    private User fifty;
    private BigMessage sevenMb;
    private BigMessage fiftyMb;
    @TempDir
    Path dir;

    @BeforeAll
    void start() throws Exception {
        f = Pop3Fixture.startSecure();
        seven = f.addUser("seven@example.test", "pw");
        fifty = f.addUser("fifty@example.test", "pw");
        sevenMb = BigMessage.deliver(f, seven, 7_000_000);
        fiftyMb = BigMessage.deliver(f, fifty, 50_000_000);
        trusting = Pop3LargeTlsTest.trusting(f);
    }

    @AfterAll
    void stop() {
        f.close();
    }

    @Test
    void angusMail() throws Exception {
        for (int i = 0; i < REPEAT; i++) {
            for (String protocol : List.of("pop3s", "pop3")) {
                angus(protocol, seven, sevenMb);
                angus(protocol, fifty, fiftyMb);
            }
        }
    }

    @Test
    void curl() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl not installed");
        for (int i = 0; i < REPEAT; i++) {
            for (boolean implicit : List.of(true, false)) {
                curl(implicit, seven, sevenMb);
                curl(implicit, fifty, fiftyMb);
            }
        }
    }

    @Test
    void fetchmail() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/fetchmail")), "fetchmail not installed (.ci/run installs it)");
        for (int i = 0; i < REPEAT; i++) {
            for (boolean implicit : List.of(true, false)) {
                fetchmail(implicit, seven, sevenMb);
                fetchmail(implicit, fifty, fiftyMb);
            }
        }
    }

    private void fetchmail(boolean implicit, User user, BigMessage expected) throws Exception {
        Path home = Files.createTempDirectory(dir, "fetchmail");
        Path delivered = home.resolve("delivered.eml");
        Path rc = home.resolve("fetchmailrc");
        String rcText = "set no bouncemail\n"
                + "poll localhost via 127.0.0.1 port " + (implicit ? f.pop3.tlsPort() : f.port()) + " protocol pop3 timeout 60\n"
                + "  user \"" + user.address() + "\" password \"pw\" is root here\n"
                + "  " + (implicit ? "ssl " : "") + "sslproto tls1.2+ sslcertck sslcommonname localhost sslcertfile \"" + f.tls.chainFile() + "\"\n"
                + "  keep fetchall no rewrite no stripcr mda \"/bin/sh -c 'cat > " + delivered + "'\"\n";
        Files.writeString(rc, rcText);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        ProcessBuilder pb = new ProcessBuilder("fetchmail", "-f", rc.toString(), "--nodetach", "--nosyslog", "-v",
                "--pidfile", home.resolve("pid").toString(), "--idfile", home.resolve("ids").toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("log").toFile());
        pb.environment().put("FETCHMAILHOME", home.toString());
        pb.environment().put("FETCHMAILUSER", System.getProperty("user.name"));
        Process proc = pb.start();
        assertTrue(proc.waitFor(120, TimeUnit.SECONDS));
        String log = Files.readString(home.resolve("log"));
        String how = (implicit ? "POP3S" : "STLS") + " fetchmail " + expected.octets();
        assertEquals(0, proc.exitValue(), how + ":\n" + log);
        assertTrue(log.contains("+OK " + expected.octets() + " octets"), how + ":\n" + log);
        // fetchmail puts a Received header of its own on top; the rest is the message byte for byte (no stripcr)
        try (InputStream in = new BufferedInputStream(Files.newInputStream(delivered))) {
            String received = headerField(in);
            assertTrue(received.startsWith("Received: from 127.0.0.1") && received.contains("fetchmail"), how + ": " + received);
            assertDigest(expected, in, how);
        }
        Files.delete(delivered); // up to 50 MB each, and -Dtls.repeat=100 makes hundreds
    }

    /** Reads one header field, continuation lines included, and the next line's first byte back into {@code in}. */
    private static String headerField(InputStream in) throws IOException {
        StringBuilder field = new StringBuilder();
        while (true) {
            for (int c; (c = in.read()) >= 0; ) {
                field.append((char) c);
                if (c == '\n') {
                    break;
                }
            }
            in.mark(1);
            int next = in.read();
            in.reset();
            if (next != ' ' && next != '\t') {
                return field.toString();
            }
        }
    }

    private void angus(String protocol, User user, BigMessage expected) throws Exception {
        Properties p = new Properties();
        String prefix = "mail." + protocol + ".";
        p.put(prefix + "connectiontimeout", "10000");
        p.put(prefix + "timeout", "30000");
        p.put(prefix + "ssl.socketFactory", trusting.getSocketFactory());
        p.put(prefix + "ssl.checkserveridentity", "true");
        // Angus keeps a fetched message in memory unless told to cache it in a file; the test JVM's heap is small
        p.put(prefix + "filecache.enable", "true");
        p.put(prefix + "filecache.dir", dir.toString());
        if (protocol.equals("pop3")) {
            p.put(prefix + "starttls.enable", "true");
            p.put(prefix + "starttls.required", "true");
        }
        int port = protocol.equals("pop3") ? f.port() : f.pop3.tlsPort();
        Store store = Session.getInstance(p).getStore(protocol);
        store.connect("localhost", port, user.address(), "pw");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            try (InputStream in = ((POP3Message) inbox.getMessage(1)).getMimeStream()) {
                assertDigest(expected, in, protocol + " Angus " + expected.octets());
            }
            inbox.close(false);
        } finally {
            store.close();
        }
    }

    private void curl(boolean implicit, User user, BigMessage expected) throws Exception {
        String url = implicit ? "pop3s://localhost:" + f.pop3.tlsPort() + "/1" : "pop3://localhost:" + f.port() + "/1";
        Process proc = new ProcessBuilder("curl", "-sS", "--max-time", "120", "--ssl-reqd", "--cacert", f.tls.chainFile().toString(),
                "-u", user.address() + ":pw", url).redirectError(dir.resolve("curl.err").toFile()).start();
        try (InputStream out = proc.getInputStream()) {
            assertDigest(expected, out, url + " curl " + expected.octets());
        }
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), url + ": " + Files.readString(dir.resolve("curl.err")));
    }

    private static void assertDigest(BigMessage expected, InputStream in, String how) throws IOException {
        MessageDigest digest = BigMessage.newDigest();
        byte[] buf = new byte[64 * 1024];
        long octets = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            digest.update(buf, 0, n);
            octets += n;
        }
        assertEquals(expected.octets(), octets, how);
        assertArrayEquals(expected.sha256(), digest.digest(), how);
    }
}
