package io.mailserver.server.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.config.ServerConfig;
import io.mailserver.server.MailServer;
import io.mailserver.testkit.PostgresCluster;
import io.mailserver.testkit.TestFiles;

/**
 * Issue 7, "Storage failure": the server on PostgreSQL; the database goes down (immediate stop, as if
 * its host failed) while a client is in the middle of DATA. The end of data is answered 451 4.3.0
 * (never 250, never a hang or a stack trace), nothing of that message is stored, the session stays
 * usable, a recipient lookup meanwhile is 451 4.3.0 too, and once PostgreSQL is back the same session and new ones deliver again, without a restart.
 */
class StorageFailureTest {

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void databaseLostDuringDataGives451AndServiceResumesWhenItIsBack() throws Exception {
        assumeTrue(PostgresCluster.available(), PostgresCluster.unavailableReason());
        Path dataDir = Files.createTempDirectory("reliability-storage-");
        try (PostgresCluster cluster = PostgresCluster.start()) { // our own: this test stops it
            String url = cluster.createDatabase();
            Map<String, String> db = Map.of("db.url", url, "db.user", cluster.user(), "db.password", cluster.password());
            TestMail.createUsers(dataDir, db, "alice");
            Map<String, String> keys = new HashMap<>(db);
            keys.putAll(Map.of("server.data-dir", dataDir.toString(), "server.hostname", "mx.example.test", "smtp.listen", "127.0.0.1:0",
                    "pop3.listen", "127.0.0.1:0", "smtp.check-sender-domain", "false", "tls.allow-plaintext-auth", "true", "http.listen", "127.0.0.1:0", "https.listen", "127.0.0.1:0"));
            try (MailServer server = MailServer.start(ServerConfig.fromMap(keys));
                 Wire w = Wire.connect(server.smtp().port())) {
                w.smtpReply();
                w.smtp("EHLO client.far.test", "250");
                assertTrue(TestMail.send(w, "before", "alice").startsWith("250 "));

                w.smtp("MAIL FROM:<sender@far.test>", "250 ");
                w.smtp("RCPT TO:<alice@example.test>", "250 ");
                w.smtp("DATA", "354 ");
                String lost = TestMail.content("lost");
                w.write(lost.substring(0, lost.length() / 2));
                cluster.stopServer();
                long t0 = System.nanoTime();
                w.write(lost.substring(lost.length() / 2) + ".\r\n");
                assertEquals("451 4.3.0 Error: temporary local problem, try again later\r\n", w.smtpReply());
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                System.out.println("451 after " + millis + " ms with the database down");
                assertTrue(w.smtp("NOOP").startsWith("250 "), "the session goes on after the 451");
                try (Wire during = Wire.connect(server.smtp().port())) {
                    during.smtpReply();
                    during.smtp("EHLO during.far.test", "250");
                    during.smtp("MAIL FROM:<sender@far.test>", "250 ");
                    // the recipient cannot be looked up: a temporary failure, so the client tries again later
                    assertEquals("451 4.3.0 Error: temporary local problem, try again later\r\n",
                            during.smtp("RCPT TO:<alice@example.test>"));
                }

                cluster.restart();
                assertTrue(TestMail.send(w, "after-same-session", "alice").startsWith("250 "), "the same session delivers again");
                try (Wire fresh = Wire.connect(server.smtp().port())) {
                    fresh.smtpReply();
                    fresh.smtp("EHLO other.far.test", "250");
                    assertTrue(TestMail.send(fresh, "after-new-session", "alice").startsWith("250 "), "a new session delivers");
                }

                Set<String> ids = new HashSet<>();
                try (Pop3Wire pop = Pop3Wire.connect(server.pop3().port())) {
                    pop.login(TestMail.address("alice"), "alice-pw");
                    int count = pop.count();
                    for (int i = 1; i <= count; i++) {
                        byte[] m = pop.retr(i);
                        String id = TestMail.idOf(m);
                        assertTrue(TestMail.isWhole(m, id), id + " is byte-exact");
                        ids.add(id);
                    }
                    pop.ok("QUIT");
                }
                assertEquals(Set.of("before", "after-same-session", "after-new-session"), ids);
            }
            // nothing half-stored: no message row, chunk or mailbox entry beyond the three delivered
            try (Connection c = DriverManager.getConnection(url, cluster.user(), cluster.password()); Statement s = c.createStatement()) {
                assertEquals(3, count(s, "SELECT COUNT(*) FROM messages"));
                assertEquals(3, count(s, "SELECT COUNT(*) FROM mailbox_entries"));
                assertEquals(0, count(s, "SELECT COUNT(*) FROM message_chunks c WHERE NOT EXISTS "
                        + "(SELECT 1 FROM messages m WHERE m.id = c.message_id)"));
            }
        } finally {
            TestFiles.deleteTree(dataDir);
        }
    }

    private static long count(Statement s, String sql) throws java.sql.SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
