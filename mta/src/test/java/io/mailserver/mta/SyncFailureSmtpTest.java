package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.store.jdbc.DurabilityListener;

/**
 * The disk sync after a message's commit fails (injected into the store's group commit, as a disk error
 * would make it fail). The client gets 451, and 451 must be true: nothing of the message may be visible,
 * or the client's retry would deliver a second copy. Over a real socket, on the real H2 store.
 */
@Timeout(60)
class SyncFailureSmtpTest {
    private static final String LOCAL_ERROR = "451 4.3.0 Error: temporary local problem, try again later\r\n";

    @Test
    void aMessageWhoseSyncFailsGets451LeavesNothingVisibleAndItsRetryIsTheOnlyCopy() {
        try (SmtpTestServer server = SmtpTestServer.start(); RawSmtp c = server.connect()) {
            AtomicBoolean firstCommit = new AtomicBoolean(true);
            AtomicBoolean failNextSync = new AtomicBoolean();
            server.temp.jdbcStore().durabilityListener(new DurabilityListener() {
                @Override
                public void committed(String queueId, boolean flushedByCommit) {
                    if (firstCommit.getAndSet(false)) {
                        failNextSync.set(true); // the next sync to start covers this commit
                    }
                }

                @Override
                public void syncStarting() throws Exception {
                    if (failNextSync.getAndSet(false)) {
                        throw new java.io.IOException("injected: fsync failed (EIO)");
                    }
                }
            });
            c.reply();
            c.cmd("EHLO client.test");
            // team@ is alice, bob and carol@remote.test: two mailbox entries and a queue row
            assertEquals(LOCAL_ERROR, send(c, "first try"));
            assertEquals(0, server.storedCount(), "after the 451 no mailbox and no queue may show the message");

            assertTrue(send(c, "second try").startsWith("250 "), "the client's retry is accepted");
            assertEquals(1, server.maildrop(server.alice).size());
            assertEquals(1, server.maildrop(server.bob).size());
            assertEquals(1, server.store().queue().list().size());
            assertTrue(new String(server.lastMessage(server.alice), StandardCharsets.UTF_8).contains("Subject: second try\r\n"));
        }
    }

    /**
     * The force of the message's content file fails (the files backend, the embedded default): 451 before
     * any metadata is committed, so no mailbox, no queue row and no content file shows the message.
     */
    @Test
    void aMessageWhoseContentFileCannotBeForcedGets451AndLeavesNothing() throws Exception {
        try (SmtpTestServer server = SmtpTestServer.start(); RawSmtp c = server.connect()) {
            AtomicBoolean failNextForce = new AtomicBoolean(true);
            server.temp.jdbcStore().durabilityListener(new DurabilityListener() {
                @Override
                public void contentSyncing(String queueId) throws Exception {
                    if (failNextForce.getAndSet(false)) {
                        throw new java.io.IOException("injected: fsync of the content file failed (EIO)");
                    }
                }
            });
            c.reply();
            c.cmd("EHLO client.test");
            assertEquals(LOCAL_ERROR, send(c, "first try"));
            assertEquals(0, server.storedCount(), "after the 451 no mailbox and no queue may show the message");
            assertEquals(0, contentFiles(server), "and no content file is left");

            assertTrue(send(c, "second try").startsWith("250 "), "the client's retry is accepted");
            assertEquals(1, server.maildrop(server.alice).size());
            assertEquals(1, server.maildrop(server.bob).size());
            assertEquals(1, server.store().queue().list().size());
            assertEquals(1, contentFiles(server), "one file for both mailboxes and the queue row");
        }
    }

    private static long contentFiles(SmtpTestServer server) throws java.io.IOException {
        java.nio.file.Path dir = io.mailserver.store.jdbc.JdbcMailStore.contentDir(server.temp.dataDir());
        if (!java.nio.file.Files.isDirectory(dir)) {
            return 0;
        }
        try (var walk = java.nio.file.Files.walk(dir)) {
            return walk.filter(java.nio.file.Files::isRegularFile).count();
        }
    }

    private static String send(RawSmtp c, String subject) {
        assertTrue(c.cmd("MAIL FROM:<sender@far.test>").startsWith("250 "));
        assertTrue(c.cmd("RCPT TO:<team@example.test>").startsWith("250 "));
        assertTrue(c.cmd("DATA").startsWith("354 "));
        return c.cmd("Subject: " + subject + "\r\n\r\nbody\r\n.");
    }
}
