package io.mailserver.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.MailAddress;
import io.mailserver.store.User;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TempStoreTest {
    @Test
    void aTempStoreIsARealStoreThatVanishesOnClose() throws Exception {
        Path dir;
        try (TempStore ts = TempStore.create()) {
            dir = ts.dataDir();
            User alice = ts.addUser("alice@example.test", "pw");
            ts.addUser("bob@example.test", "pw");
            assertTrue(ts.store().users().authenticate(MailAddress.parse("alice@example.test"), "pw".toCharArray()).isPresent());
            try (var d = ts.store().messages().begin("s@remote.example", "Q1")) {
                d.content().write("Subject: t\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII));
                d.addLocalRecipient(alice.id());
                d.commit();
            }
            assertEquals(1, ts.store().maildrops().snapshot(alice.id()).size());
            assertEquals(dir, ts.config().dataDir());
            assertTrue(Files.exists(dir.resolve("db").resolve("mail.mv.db")));
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    void postgresClusterReportsWhetherItCanRun() {
        String reason = PostgresCluster.unavailableReason();
        assertEquals(reason == null, PostgresCluster.available());
    }
}
