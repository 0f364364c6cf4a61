package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.store.User;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import org.eclipse.angus.mail.pop3.POP3Folder;

/** Real clients: Jakarta/Angus Mail's POP3 provider and curl's pop3:// support. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Pop3ClientsInteropTest {
    private Pop3Fixture f;
    private User alice;
    private final List<byte[]> stored = new ArrayList<>();

    @BeforeEach
    void start() {
        f = Pop3Fixture.start();
        alice = f.addUser("alice@example.test", "pw with space");
        stored.add(f.deliver("From: a@remote.test\r\nSubject: one\r\n\r\nfirst\r\n.dot\r\n", alice));
        stored.add(f.deliver("b@remote.test", ("From: b@remote.test\r\nSubject: two\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\nd\u00e9j\u00e0 vu\r\n..\r\n").getBytes(StandardCharsets.UTF_8), alice));
    }

    @AfterEach
    void stop() {
        f.close();
    }

    @Test
    void angusMailListsRetrievesAndDeletes() throws Exception {
        Properties p = new Properties();
        p.put("mail.pop3.host", "127.0.0.1");
        p.put("mail.pop3.port", String.valueOf(f.port()));
        p.put("mail.pop3.connectiontimeout", "10000");
        p.put("mail.pop3.timeout", "10000");
        Session session = Session.getInstance(p);
        Store store = session.getStore("pop3");
        store.connect("alice@example.test", "pw with space");
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertEquals(2, inbox.getMessageCount());
            List<String> uids = new ArrayList<>();
            int[] sizes = ((POP3Folder) inbox).getSizes();
            for (int i = 1; i <= 2; i++) {
                Message m = inbox.getMessage(i);
                assertEquals(stored.get(i - 1).length, sizes[i - 1], "LIST size");
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                try (InputStream in = ((org.eclipse.angus.mail.pop3.POP3Message) m).getMimeStream()) {
                    in.transferTo(raw);
                }
                assertArrayEquals(stored.get(i - 1), raw.toByteArray(), "message " + i + " byte-exact");
                uids.add(((POP3Folder) inbox).getUID(m));
            }
            assertEquals("two", inbox.getMessage(2).getSubject());
            assertEquals("d\u00e9j\u00e0 vu\r\n..\r\n", inbox.getMessage(2).getContent());
            assertTrue(uids.get(0).matches("[0-9a-f]{16}"));
            inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            inbox.close(true);
        } finally {
            store.close();
        }
        assertEquals(1, f.count(alice));
    }

    @Test
    void curlListsAndRetrieves() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl not installed");
        String base = "pop3://127.0.0.1:" + f.port() + "/";
        String list = new String(curl(base), StandardCharsets.US_ASCII);
        assertEquals("1 " + stored.get(0).length + "\r\n2 " + stored.get(1).length + "\r\n", list);
        for (int i = 1; i <= 2; i++) {
            assertArrayEquals(stored.get(i - 1), curl(base + i), "curl RETR " + i);
        }
        assertEquals(2, f.count(alice));
    }

    private byte[] curl(String url, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-u", "alice@example.test:pw with space"));
        cmd.addAll(List.of(extra));
        cmd.add(url);
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
        byte[] out = proc.getInputStream().readAllBytes();
        String err = new String(proc.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), "curl failed: " + err);
        return out;
    }
}
