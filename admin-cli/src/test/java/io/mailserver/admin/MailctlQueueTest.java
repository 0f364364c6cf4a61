package io.mailserver.admin;

import static io.mailserver.admin.MailctlScenarioTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.Delivery;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.MaildropEntry;
import io.mailserver.store.QueueEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** mailctl queue list|show|retry|delete|purge on the real store. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MailctlQueueTest {
    @TempDir
    Path dir;
    private CliRun cli;
    private long fromAlice;
    private long fromNull;

    @BeforeEach
    void setUp() throws IOException {
        cli = new CliRun(dir).cheapHashing();
        cli.env.put("MAILSERVER_SERVER_HOSTNAME", "mx.example.test");
        ok(cli.run("domain", "add", "example.test"));
        ok(cli.runWithStdin("pw\n", "user", "add", "alice@example.test", "--password-stdin"));
        try (MailStore store = cli.openStore()) {
            queue(store, "alice@example.test", "QA1", "Subject: to the world\r\n\r\nhello\r\n", "x@remote.test");
            queue(store, "", "QN1", "Subject: a bounce\r\n\r\nbody\r\n", "y@remote.test");
            List<QueueEntry> rows = store.queue().list();
            fromAlice = rows.get(0).id();
            fromNull = rows.get(1).id();
            // the first one was tried once and waits an hour
            QueueEntry tried = store.queue().claim("test", 1, Duration.ofMinutes(1)).get(0);
            assertEquals(fromAlice, tried.id());
            store.queue().markDeferred(tried, Instant.now().plus(Duration.ofHours(1)), "451 4.3.0 try later");
        }
    }

    private static void queue(MailStore store, String sender, String queueId, String content, String rcpt) throws IOException {
        try (Delivery d = store.messages().begin(sender, queueId)) {
            d.content().write(content.getBytes(StandardCharsets.US_ASCII));
            d.addRemoteRecipient(rcpt);
            d.commit();
        }
    }

    @Test
    void listAndShow() {
        List<String> lines = ok(cli.run("queue", "list")).outLines();
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("ID  QUEUE-ID  SENDER"), lines.get(0));
        assertTrue(lines.get(1).matches(fromAlice + " +QA1 +<alice@example.test> +x@remote.test +DEFERRED +1 +20\\S+Z +451 4.3.0 try later"), lines.get(1));
        assertTrue(lines.get(2).matches(fromNull + " +QN1 +<> +y@remote.test +QUEUED +0 +\\S+ *"), lines.get(2));

        String json = ok(cli.run("queue", "list", "--json")).out();
        assertTrue(json.startsWith("[{\"id\":" + fromAlice + ",\"queueId\":\"QA1\",\"sender\":\"alice@example.test\",\"recipient\":\"x@remote.test\","
                + "\"state\":\"DEFERRED\",\"attempts\":1,"), json);
        assertTrue(json.contains("\"lastReply\":\"451 4.3.0 try later\"}"), json);

        String shown = ok(cli.run("queue", "show", String.valueOf(fromAlice))).out();
        assertTrue(shown.contains("recipient:    x@remote.test\n"), shown);
        assertTrue(shown.contains("last reply:   451 4.3.0 try later\n"), shown);
        assertTrue(shown.endsWith("\nSubject: to the world\n"), shown);
        assertTrue(ok(cli.run("queue", "show", String.valueOf(fromNull), "--json")).out().contains("\"headers\":\"Subject: a bounce\\r\\n\""));
        assertEquals(ExitCode.NOT_FOUND, cli.run("queue", "show", "9999").code());
    }

    @Test
    void retryOneOrAll() throws IOException {
        ok(cli.run("queue", "retry", String.valueOf(fromAlice)), "1 row due now\n");
        try (MailStore store = cli.openStore()) {
            assertTrue(!store.queue().find(fromAlice).orElseThrow().nextAttemptAt().isAfter(Instant.now()));
        }
        ok(cli.run("queue", "retry", "--all"), "2 rows due now\n");
        assertEquals(ExitCode.USAGE, cli.run("queue", "retry").code());
        assertEquals(ExitCode.USAGE, cli.run("queue", "retry", "1", "--all").code());
        assertEquals(ExitCode.NOT_FOUND, cli.run("queue", "retry", "9999").code());
    }

    @Test
    void deleteWithBounceTellsTheSender() throws IOException {
        CliRun.Result r = ok(cli.run("queue", "delete", String.valueOf(fromAlice), "--bounce"));
        assertTrue(r.out().matches("deleted queue row " + fromAlice + " \\(x@remote.test\\); sender <alice@example.test> notified \\(queue id \\S+\\)\n"), r.out());
        try (MailStore store = cli.openStore()) {
            assertTrue(store.queue().find(fromAlice).isEmpty());
            long alice = store.users().find(MailAddress.parse("alice@example.test")).orElseThrow().id();
            List<MaildropEntry> box = store.maildrops().snapshot(alice);
            assertEquals(1, box.size());
            try (InputStream in = store.maildrops().open(alice, box.get(0).uid())) {
                String dsn = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                assertTrue(dsn.startsWith("Return-Path: <>\r\n"), dsn);
                assertTrue(dsn.contains("From: Mail Delivery System <MAILER-DAEMON@mx.example.test>\r\n"), dsn);
                assertTrue(dsn.contains("Final-Recipient: rfc822; x@remote.test\r\nAction: failed\r\nStatus: 5.0.0\r\n"), dsn);
                assertTrue(dsn.contains("Diagnostic-Code: X-Mailserver; delivery cancelled by the postmaster\r\n"), dsn);
                assertTrue(dsn.contains("Subject: to the world\r\n"), dsn);
            }
        }
        ok(cli.run("queue", "delete", String.valueOf(fromNull), "--bounce"),
                "deleted queue row " + fromNull + " (y@remote.test); no notice: the message has the null sender\n");
        assertEquals(ExitCode.NOT_FOUND, cli.run("queue", "delete", String.valueOf(fromNull)).code());
        ok(cli.run("queue", "list"), "no mail waiting in the queue\n");
    }

    @Test
    void purgeRemovesFinishedRowsAndTheContentOnlyTheyHeld() throws IOException {
        try (MailStore store = cli.openStore()) {
            QueueEntry bounce = store.queue().claim("test", 5, Duration.ofMinutes(1)).get(0);
            assertEquals(fromNull, bounce.id());
            store.queue().markFailed(bounce, "550 5.1.1 no such user");
        }
        assertTrue(ok(cli.run("queue", "purge")).out().matches("purged 0 rows finished before 20\\S+Z; reclaimed 0 messages, 0 B\n"),
                "the failed row is younger than the default retention (7d)");
        assertEquals(ExitCode.USAGE, cli.run("queue", "purge", "--older-than", "soon").code());

        String json = ok(cli.run("queue", "purge", "--older-than", "0", "--json")).out();
        int size = "Subject: a bounce\r\n\r\nbody\r\n".length();
        assertTrue(json.matches("\\{\"rows\":1,\"messages\":1,\"bytes\":" + size + ",\"finishedBefore\":\"20\\S+Z\"}\n"), json);
        List<String> left = ok(cli.run("queue", "list", "--all")).outLines();
        assertEquals(2, left.size(), left.toString());
        assertTrue(left.get(1).startsWith(fromAlice + " "), left.toString());

        try (MailStore store = cli.openStore()) {
            store.queue().retryNow(Optional.of(fromAlice));
            store.queue().markDelivered(store.queue().claim("test", 5, Duration.ofMinutes(1)).get(0), "250 2.0.0 ok");
        }
        cli.env.put("MAILSERVER_QUEUE_HISTORY_RETENTION", "0");
        String out = ok(cli.run("queue", "purge")).out();
        assertTrue(out.matches("purged 1 row finished before 20\\S+Z; reclaimed 0 messages, 0 B\n"), "delivered content went at delivery: " + out);
        ok(cli.run("queue", "list", "--all"), "the queue is empty\n");
    }
}
