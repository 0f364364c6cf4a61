package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SIGTERM behaviour: stop accepting, let messages in DATA finish within the grace, 421 4.3.2 to the rest. */
@Timeout(60)
class SmtpShutdownTest {

    @Test
    void idleSessionsGet421AndDataInProgressMayFinish() throws Exception {
        try (SmtpTestServer server = SmtpTestServer.start(); RawSmtp idle = server.connect(); RawSmtp busy = server.connect()) {
            int port = server.port();
            idle.reply();
            idle.cmd("EHLO idle.test");
            busy.reply();
            busy.cmd("EHLO busy.test");
            busy.cmd("MAIL FROM:<s@far.test>");
            busy.cmd("RCPT TO:<alice@example.test>");
            busy.cmd("DATA");
            busy.write("Subject: finishing during shutdown\r\n\r\nfirst half\r\n");

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> server.service.shutdown(Duration.ofSeconds(10)));
            assertEquals("421 4.3.2 mx.example.test Service shutting down, closing connection\r\n", idle.readLine());
            assertNull(idle.readLine());
            assertThrows(UncheckedIOException.class, () -> RawSmtp.connect(port), "no new connections");

            busy.write("second half\r\n");
            assertTrue(busy.cmd(".").startsWith("250 2.0.0 Ok: queued as "));
            assertEquals("421 4.3.2 mx.example.test Service shutting down, closing connection\r\n", busy.readLine());
            assertNull(busy.readLine());
            stopping.get(15, TimeUnit.SECONDS);
            assertTrue(new String(server.lastMessage(server.alice), java.nio.charset.StandardCharsets.UTF_8)
                    .endsWith("first half\r\nsecond half\r\n"));
        }
    }

    @Test
    void dataStillRunningAfterTheGraceIsCutOffAndNotStored() throws Exception {
        try (SmtpTestServer server = SmtpTestServer.start(); RawSmtp slow = server.connect()) {
            slow.reply();
            slow.cmd("EHLO slow.test");
            slow.cmd("MAIL FROM:<s@far.test>");
            slow.cmd("RCPT TO:<alice@example.test>");
            slow.cmd("DATA");
            slow.write("Subject: too slow\r\n\r\n");
            long t0 = System.nanoTime();
            server.service.shutdown(Duration.ofMillis(800));
            assertTrue(System.nanoTime() - t0 >= 700_000_000L, "the grace was granted");
            assertEquals("421 4.3.2 mx.example.test Service shutting down, closing connection\r\n", slow.readLine());
            assertTrue(slow.closedByServer());
            assertEquals(0, server.storedCount());
        }
    }
}
