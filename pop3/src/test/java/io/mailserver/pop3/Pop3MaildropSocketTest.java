package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.store.User;

/** The maildrop rules: exclusive lock, deletes only at QUIT, snapshot at login, stable UIDLs, streaming. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Pop3MaildropSocketTest {
    private Pop3Fixture f;
    private User alice;
    private User bob;

    @BeforeEach
    void start() {
        f = Pop3Fixture.start();
        alice = f.addUser("alice@example.test", "pw-a");
        bob = f.addUser("bob@example.test", "pw-b");
        for (int i = 1; i <= 3; i++) {
            f.deliver("Subject: m" + i + "\r\n\r\nbody " + i + "\r\n", alice);
        }
    }

    @AfterEach
    void stop() {
        f.close();
    }

    /** Waits until the server has noticed a closed connection and released its lock. */
    private void awaitNoSessions() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (f.pop3.connections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, f.pop3.connections());
    }

    @Test
    void secondSessionGetsInUseAndTheFirstIsUnaffected() {
        try (Pop3TestClient first = f.connect(); Pop3TestClient second = f.connect()) {
            first.login("alice@example.test", "pw-a");
            assertEquals("+OK Message 1 deleted", first.cmd("DELE 1"));
            second.cmd("USER alice@example.test");
            assertEquals("-ERR [IN-USE] Maildrop is locked by another session", second.cmd("PASS pw-a"));
            assertEquals("-ERR Not logged in", second.cmd("STAT"), "still in AUTHORIZATION");
            assertEquals("+OK 2 ", first.cmd("STAT").substring(0, 6));
            first.quit();
            // once the first has quit, the maildrop is free again
            second.cmd("USER alice@example.test");
            assertTrue(second.cmd("PASS pw-a").startsWith("+OK"));
            assertEquals("+OK 2 ", second.cmd("STAT").substring(0, 6));
        }
    }

    @Test
    void deleThenDroppedConnectionDeletesNothingAndFreesTheLock() throws Exception {
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            c.cmd("DELE 1");
            c.cmd("DELE 2");
        }
        awaitNoSessions();
        assertEquals(3, f.count(alice));
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            assertTrue(c.cmd("STAT").startsWith("+OK 3 "));
        }
    }

    @Test
    void deleRsetQuitDeletesNothing() {
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            c.cmd("DELE 1");
            c.cmd("DELE 3");
            c.cmd("RSET");
            assertEquals("+OK pop.example.test POP3 server signing off (3 messages left)", c.cmd("QUIT"));
        }
        assertEquals(3, f.count(alice));
    }

    @Test
    void deleQuitDeletesAndReportsWhatIsLeft() {
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            c.cmd("DELE 1");
            c.cmd("DELE 3");
            assertEquals("+OK pop.example.test POP3 server signing off (1 message left)", c.cmd("QUIT"));
            assertTrue(c.closedByServer());
        }
        assertEquals(1, f.count(alice));
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            assertEquals(List.of("Return-Path: <sender@remote.test>", "Subject: m2", "", "body 2"),
                    List.of(new String(c.retr(1), StandardCharsets.US_ASCII).split("\r\n")));
            c.cmd("DELE 1");
            assertEquals("+OK pop.example.test POP3 server signing off (0 messages left)", c.cmd("QUIT"));
        }
        assertEquals(0, f.count(alice));
    }

    @Test
    void uidlsAreStableAcrossSessionsAndNeverReused() {
        List<String> before;
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            before = c.multi("UIDL");
            c.cmd("DELE 3");
            c.quit();
        }
        String deletedUid = before.get(2).split(" ")[1];
        f.deliver("Subject: m4\r\n\r\nnew\r\n", alice);
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            List<String> after = c.multi("UIDL");
            assertEquals(before.subList(0, 2), after.subList(0, 2), "same ids for the same messages");
            String newUid = after.get(2).split(" ")[1];
            assertNotEquals(deletedUid, newUid, "a deleted message's id is not reused");
            Set<String> ids = new HashSet<>();
            for (String l : after) {
                String id = l.split(" ")[1];
                assertTrue(id.chars().allMatch(ch -> ch >= 0x21 && ch <= 0x7e) && id.length() <= 70);
                ids.add(id);
            }
            assertEquals(3, ids.size());
        }
    }

    @Test
    void sessionSeesTheMaildropAsOfLogin() {
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            f.deliver("Subject: late\r\n\r\narrived during the session\r\n", alice);
            assertTrue(c.cmd("STAT").startsWith("+OK 3 "));
            assertEquals("-ERR No such message", c.cmd("RETR 4"));
            c.cmd("DELE 1");
            assertEquals("+OK pop.example.test POP3 server signing off (3 messages left)", c.cmd("QUIT"));
        }
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            assertTrue(c.cmd("STAT").startsWith("+OK 3 "));
            assertTrue(new String(c.retr(3), StandardCharsets.US_ASCII).contains("Subject: late"));
        }
    }

    @Test
    void contentSharedWithAnotherMailboxSurvivesItsDeletion() {
        byte[] shared = f.deliver("sender@remote.test", "Subject: both\r\n\r\nshared\r\n".getBytes(StandardCharsets.US_ASCII), alice, bob);
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            assertArrayEquals(shared, c.retr(4));
            c.cmd("DELE 4");
            c.quit();
        }
        try (Pop3TestClient c = f.connect()) {
            c.login("bob", "pw-b");
            assertArrayEquals(shared, c.retr(1));
        }
    }

    @Test
    void largeMessageStreamsByteExactAndPipelinedCommandsWait() {
        StringBuilder sb = new StringBuilder("Subject: big\r\n\r\n");
        for (int i = 0; sb.length() < 6_000_000; i++) {
            sb.append(i % 7 == 0 ? ".dot line " : "line ").append(i).append(" \u00e9\u00e8 ").append("x".repeat(i % 90)).append("\r\n");
        }
        byte[] big = f.deliver("sender@remote.test", sb.toString().getBytes(StandardCharsets.UTF_8), bob);
        try (Pop3TestClient c = f.connect()) {
            c.login("bob@example.test", "pw-b");
            assertEquals("+OK 1 " + big.length, c.cmd("LIST 1"));
            c.sendRaw("RETR 1\r\nNOOP\r\nLIST 1\r\n");
            assertEquals("+OK " + big.length + " octets", c.readLine());
            assertArrayEquals(big, Pop3TestClient.unstuff(c.readRawBody()));
            assertEquals("+OK", c.readLine());
            assertEquals("+OK 1 " + big.length, c.readLine());
        }
    }

    @Test
    void hundredsOfCommandsPipelinedBehindALargeRetrAreAllAnsweredInOrder() {
        f.deliver("Subject: big\r\n\r\n" + "0123456789".repeat(7).concat("\r\n").repeat(40_000), bob);
        try (Pop3TestClient c = f.connect()) {
            c.login("bob@example.test", "pw-b");
            StringBuilder burst = new StringBuilder("RETR 1\r\n");
            for (int i = 0; i < 400; i++) {
                burst.append(i % 2 == 0 ? "NOOP\r\n" : "LIST 1\r\n");
            }
            c.sendRaw(burst.toString());
            assertTrue(c.readLine().startsWith("+OK "));
            c.readRawBody();
            for (int i = 0; i < 400; i++) {
                String r = c.readLine();
                assertTrue(i % 2 == 0 ? r.equals("+OK") : r.startsWith("+OK 1 "), i + ": " + r);
            }
            assertTrue(c.cmd("STAT").startsWith("+OK 1 "));
        }
    }

    @Test
    void slowReaderOfALargeMessageDoesNotStallOtherSessions() throws Exception {
        StringBuilder sb = new StringBuilder("Subject: big\r\n\r\n");
        while (sb.length() < 4_000_000) {
            sb.append("0123456789".repeat(7)).append("\r\n");
        }
        f.deliver(sb.toString(), bob);
        try (Pop3TestClient slow = f.connect(); Pop3TestClient other = f.connect()) {
            slow.login("bob@example.test", "pw-b");
            slow.send("RETR 1");
            // the slow client reads nothing for a while; the server must not block on it
            other.login("alice@example.test", "pw-a");
            for (int i = 1; i <= 3; i++) {
                assertTrue(new String(other.retr(i), StandardCharsets.US_ASCII).contains("body " + i));
            }
            other.quit();
            assertTrue(slow.readLine().startsWith("+OK "));
            assertEquals(sb.length() + "Return-Path: <sender@remote.test>\r\n".length(),
                    Pop3TestClient.unstuff(slow.readRawBody()).length);
        }
    }

    @Test
    void aLiveSessionKeepsItsLockFreshAndADeadHoldersLockExpires() throws Exception {
        f.close();
        f = Pop3Fixture.start(java.util.Map.of(), s -> s.withLockTtl(Duration.ofSeconds(2)));
        alice = f.addUser("alice@example.test", "pw-a");
        bob = f.addUser("bob@example.test", "pw-b");
        try (Pop3TestClient first = f.connect(); Pop3TestClient second = f.connect()) {
            first.login("alice@example.test", "pw-a");
            // idle well past the ttl: the lock keeper refreshes it in the background
            Thread.sleep(4500);
            second.cmd("USER alice@example.test");
            assertEquals("-ERR [IN-USE] Maildrop is locked by another session", second.cmd("PASS pw-a"));
            assertTrue(first.cmd("STAT").startsWith("+OK 0 0"));
        }
        // a node that died holding bob's lock: it is refused until the lock expires, then taken over
        assertTrue(f.temp.store().maildrops().tryLock(bob.id(), Duration.ofSeconds(1)).isPresent());
        try (Pop3TestClient c = f.connect()) {
            c.cmd("USER bob@example.test");
            assertEquals("-ERR [IN-USE] Maildrop is locked by another session", c.cmd("PASS pw-b"));
            Thread.sleep(1500);
            c.cmd("USER bob@example.test");
            assertTrue(c.cmd("PASS pw-b").startsWith("+OK"));
        }
    }

    @Test
    void storeOutageGivesSysTempAndNeverAStackTrace() {
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            c.cmd("DELE 1");
            f.temp.jdbcStore().close();
            assertTrue(c.cmd("STAT").startsWith("+OK 2 "), "the snapshot needs no store");
            assertEquals("-ERR [SYS/TEMP] Mail store unavailable; try again later", c.cmd("RETR 2"));
            assertEquals("-ERR [SYS/TEMP] Some deleted messages not removed", c.cmd("QUIT"));
            assertTrue(c.closedByServer());
        }
        try (Pop3TestClient c = f.connect()) {
            c.cmd("USER bob@example.test");
            assertEquals("-ERR [SYS/TEMP] Authentication temporarily unavailable; try again later", c.cmd("PASS pw-b"));
        }
    }

    @Test
    void autologoutClosesSilentlyAndDeletesNothing() throws Exception {
        f.close();
        f = Pop3Fixture.start(java.util.Map.of(), s -> s.withIdleTimeout(Duration.ofSeconds(1)));
        alice = f.addUser("alice@example.test", "pw-a");
        f.deliver("Subject: x\r\n\r\ny\r\n", alice);
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            c.cmd("DELE 1");
            c.setReadTimeout(10_000);
            long t0 = System.nanoTime();
            // RFC 1939 section 3: no response, just the close
            assertEquals(null, c.readLine());
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(500));
        }
        awaitNoSessions();
        assertEquals(1, f.count(alice));
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
        }
    }

    @Test
    void shutdownEndsIdleSessionsAndReleasesLocks() throws Exception {
        try (Pop3TestClient c = f.connect()) {
            c.login("alice@example.test", "pw-a");
            c.cmd("DELE 1");
            f.pop3.shutdown(Duration.ofSeconds(2));
            assertEquals("-ERR [SYS/TEMP] Server shutting down", c.readLine());
            assertTrue(c.closedByServer());
        }
        assertEquals(3, f.count(alice));
        assertTrue(f.temp.store().maildrops().tryLock(alice.id(), Duration.ofMinutes(1)).isPresent(), "lock released");
        assertFalse(f.temp.store().maildrops().tryLock(alice.id(), Duration.ofMinutes(1)).isPresent());
    }
}
