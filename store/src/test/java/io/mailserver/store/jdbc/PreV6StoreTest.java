package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.mailserver.store.Delivery;
import io.mailserver.store.MaildropEntry;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store made by the version before content files (schema V5, content in chunk rows) opened by this
 * one: its mail is still served from the chunk rows, new mail goes to files, and deleting the old mail
 * reclaims its chunks.
 */
@Timeout(120)
class PreV6StoreTest {
    @TempDir
    Path dataDir;

    @Test
    void aStoreWithChunkRowsKeepsServingItsMailAndNewMailGoesToFiles() throws Exception {
        String url = JdbcMailStore.defaultUrl(dataDir);
        Files.createDirectories(dataDir.resolve("db"));
        Flyway.configure().dataSource(url, "mail", "").locations("classpath:db/migration").target("5").load().migrate();
        // What the previous JdbcDelivery wrote: a message row without content_file, its chunks, a mailbox
        // entry and a queue row. Two chunks: one full 256 KiB piece and a short last one.
        byte[] content = new byte[Contents.CHUNK_SIZE + 1000];
        Arrays.fill(content, (byte) 'o');
        byte[] returnPath = "Return-Path: <old@remote.example>\r\n".getBytes(StandardCharsets.US_ASCII);
        long userId;
        long messageId;
        try (Connection c = DriverManager.getConnection(url, "mail", ""); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO domains (name, created_at) VALUES ('example.test', CURRENT_TIMESTAMP)");
            s.executeUpdate("INSERT INTO users (domain_id, address, local_part, password_hash, enabled, created_at)"
                    + " VALUES (1, 'alice@example.test', 'alice', 'x', TRUE, CURRENT_TIMESTAMP)", Statement.RETURN_GENERATED_KEYS);
            userId = 1;
            s.executeUpdate("INSERT INTO messages (queue_id, sender, size, received_at)"
                    + " VALUES ('OLD1', 'old@remote.example', " + content.length + ", CURRENT_TIMESTAMP)");
            messageId = 1;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO message_chunks (message_id, seq, data) VALUES (1, ?, ?)")) {
                ps.setInt(1, 0);
                ps.setBytes(2, Arrays.copyOfRange(content, 0, Contents.CHUNK_SIZE));
                ps.executeUpdate();
                ps.setInt(1, 1);
                ps.setBytes(2, Arrays.copyOfRange(content, Contents.CHUNK_SIZE, content.length));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO mailbox_entries (user_id, message_id, size, created_at) VALUES (1, 1, ?, ?)")) {
                ps.setLong(1, returnPath.length + content.length);
                ps.setObject(2, OffsetDateTime.now());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbound_queue (message_id, queue_id, sender, recipient,"
                    + " state, attempts, created_at, next_attempt_at) VALUES (1, 'OLD1', 'old@remote.example', 'far@remote.example',"
                    + " 'QUEUED', 0, ?, ?)")) {
                ps.setObject(1, OffsetDateTime.now());
                ps.setObject(2, OffsetDateTime.now());
                ps.executeUpdate();
            }
        }

        try (JdbcMailStore store = JdbcMailStore.open(url, "mail", "", 4, dataDir, Backend.HASHER)) {
            assertEquals(ContentStorage.FILES, store.contentStorage());
            MaildropEntry old = store.maildrops().snapshot(userId).get(0);
            assertEquals(returnPath.length + content.length, old.size());
            try (InputStream in = store.maildrops().open(userId, old.uid())) {
                assertArrayEquals(returnPath, in.readNBytes(returnPath.length));
                assertArrayEquals(content, in.readAllBytes());
            }
            try (InputStream in = store.queue().openContent(messageId)) {
                assertArrayEquals(content, in.readAllBytes(), "the outbound client reads it too");
            }

            long newId;
            try (Delivery d = store.messages().begin("new@remote.example", "NEW1")) {
                d.content().write("Subject: new\r\n\r\nnew\r\n".getBytes(StandardCharsets.US_ASCII));
                d.addLocalRecipient(userId);
                newId = d.commit();
            }
            assertNull(stringOf(store, "SELECT content_file FROM messages WHERE id = " + messageId));
            assertNotNull(stringOf(store, "SELECT content_file FROM messages WHERE id = " + newId), "new content goes to a file");

            store.queue().delete(store.queue().list().get(0).id());
            assertEquals(1, store.maildrops().delete(userId, List.of(old.uid())));
            assertEquals(0L, Long.parseLong(stringOf(store, "SELECT COUNT(*) FROM message_chunks")), "old chunks reclaimed");
            assertEquals(0L, Long.parseLong(stringOf(store, "SELECT COUNT(*) FROM messages WHERE id = " + messageId)));
            MaildropEntry fresh = store.maildrops().snapshot(userId).get(0);
            try (InputStream in = store.maildrops().open(userId, fresh.uid())) {
                assertEquals("Return-Path: <new@remote.example>\r\nSubject: new\r\n\r\nnew\r\n",
                        new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        }
    }

    private static String stringOf(JdbcMailStore store, String sql) {
        return store.database().read("test query", c -> {
            try (Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getString(1);
            }
        });
    }
}
