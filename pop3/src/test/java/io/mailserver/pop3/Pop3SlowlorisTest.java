package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.store.User;

/**
 * RFC 1939 section 3: a command resets the autologout timer; bytes that never make a command do not. A
 * client trickling a byte every 0.5 s is logged out like a silent one (2 s timer here), and nothing it
 * marked is deleted; a client sending a NOOP every 0.7 s for three timers is not.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Pop3SlowlorisTest {

    @Test
    void tricklingBytesDoesNotHoldOffTheAutologoutButCommandsDo() throws Exception {
        try (Pop3Fixture f = Pop3Fixture.start(Map.of(), s -> s.withIdleTimeout(Duration.ofSeconds(2)))) {
            User alice = f.addUser("alice@example.test", "pw-a");
            f.addUser("bob@example.test", "pw-b");
            f.deliver("Subject: x\r\n\r\ny\r\n", alice);
            CompletableFuture<Long> trickler = CompletableFuture.supplyAsync(() -> {
                try (Pop3TestClient c = f.connect()) {
                    c.login("alice@example.test", "pw-a");
                    assertTrue(c.cmd("DELE 1").startsWith("+OK"));
                    AtomicBoolean stop = new AtomicBoolean();
                    Thread writer = new Thread(() -> {
                        while (!stop.get()) {
                            try {
                                c.sendRaw("N");
                                Thread.sleep(500);
                            } catch (RuntimeException | InterruptedException e) {
                                return;
                            }
                        }
                    });
                    long t0 = System.nanoTime();
                    writer.start();
                    try {
                        assertNull(c.readLine(), "autologout closes without a response");
                        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    } finally {
                        stop.set(true);
                        writer.interrupt();
                    }
                }
            });
            CompletableFuture<Long> steady = CompletableFuture.supplyAsync(() -> {
                try (Pop3TestClient c = f.connect()) {
                    c.login("bob@example.test", "pw-b");
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
                    while (System.nanoTime() < end) {
                        Thread.sleep(700);
                        assertEquals("+OK", c.cmd("NOOP"));
                    }
                    c.quit();
                    return 0L;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            long millis = trickler.get();
            assertTrue(millis >= 1_750 && millis <= 4_500, "the trickling client was logged out after " + millis + " ms");
            steady.get();
            Thread.sleep(200);
            assertEquals(1, f.count(alice), "autologout deletes nothing");
        }
    }
}
