package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.mailserver.mta.smtp.SmtpContext;
import io.mailserver.mta.smtp.SmtpReply;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.SmtpSettings;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.jdbc.DurabilityListener;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.PostgresCluster;
import io.mailserver.testkit.TempStore;

/**
 * docs/design.md contract 2, checked from the outside in order: no {@code 250} to DATA may be written to the
 * socket before a disk sync that covers its message's commit. (The kill -9 tests cannot see this: the page
 * cache survives a killed process without any sync.)
 *
 * <p>The store reports each delivery's commit and each sync's start and end, the SMTP adapter each reply
 * just before it writes it; every event takes a number from one counter when it is reported. A commit is
 * reported after it happened, a sync start before the sync, a sync end after it, a reply before its write,
 * so "sync start numbered after the commit, sync end numbered before the 250" proves the real order.
 * Ten sessions send at once over real sockets, so syncs are shared and callers race the syncer.
 *
 * <p>On H2 the content goes to files: each message's content file must have been reported durable (forced,
 * renamed, directory synced) before its metadata commit, so the 250 covers both.
 *
 * <p>On PostgreSQL the commit is the sync: each commit must have run with {@code synchronous_commit} on,
 * although the test database's default is off, and must come before its 250.
 */
@Timeout(120)
class DurableReplyOrderTest {
    private static final int SESSIONS = 10;
    private static final int MESSAGES_PER_SESSION = 20;
    private static final Pattern QUEUED = Pattern.compile("^250 2\\.0\\.0 Ok: queued as (\\w+)");

    private record Event(long seq, String kind, String queueId, boolean ok) {
    }

    private final AtomicLong clock = new AtomicLong();
    private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();

    private void record(String kind, String queueId, boolean ok) {
        events.add(new Event(clock.incrementAndGet(), kind, queueId, ok));
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void no250IsWrittenBeforeADiskSyncCoveringItsCommit(String backend) throws Exception {
        Map<String, String> db = new HashMap<>();
        String pgUrl = null;
        if (backend.equals("postgres")) {
            assumeTrue(PostgresCluster.available(), PostgresCluster.unavailableReason());
            PostgresCluster pg = PostgresCluster.shared();
            pgUrl = pg.createDatabase();
            try (Connection c = DriverManager.getConnection(pgUrl, pg.user(), pg.password()); Statement s = c.createStatement()) {
                s.execute("ALTER DATABASE " + pgUrl.substring(pgUrl.lastIndexOf('/') + 1) + " SET synchronous_commit = off");
            }
            db.putAll(Map.of("db.url", pgUrl, "db.user", pg.user(), "db.password", pg.password()));
        }
        try (TempStore temp = TempStore.create(db, new PasswordHasher(TempStore.TEST_ITERATIONS))) {
            temp.addUser("alice@example.test", "pw");
            temp.addUser("bob@example.test", "pw");
            JdbcMailStore store = temp.jdbcStore();
            store.durabilityListener(new DurabilityListener() {
                @Override
                public void contentDurable(String queueId) {
                    record("content-durable", queueId, true);
                }

                @Override
                public void committed(String queueId, boolean flushedByCommit) {
                    record("commit", queueId, flushedByCommit);
                }

                @Override
                public void syncStarting() {
                    record("sync-start", null, true);
                }

                @Override
                public void syncFinished(boolean succeeded) {
                    record("sync-end", null, succeeded);
                }
            });
            SmtpContext context = new SmtpContext(SmtpSettings.from(temp.config().with(Map.of("server.hostname", "mx.example.test"))),
                    store, Clock.systemDefaultZone());
            context.replyListener((SmtpSession session, List<SmtpReply> replies) -> {
                for (SmtpReply r : replies) {
                    Matcher m = QUEUED.matcher(r.toWire());
                    if (m.find()) {
                        record("250", m.group(1), true);
                    }
                }
            });
            SmtpService service = SmtpService.start(temp.config().with(Map.of("smtp.listen", "127.0.0.1:0")), context);
            List<String> acknowledged;
            try {
                acknowledged = sendConcurrently(service.port());
            } finally {
                service.shutdown(java.time.Duration.ofSeconds(2));
            }
            assertEquals(SESSIONS * MESSAGES_PER_SESSION, acknowledged.size());
            check(acknowledged, backend.equals("h2"));
        } finally {
            if (pgUrl != null) {
                PostgresCluster.shared().dropDatabase(pgUrl);
            }
        }
    }

    /** Each session sends its messages one after another; the sessions run at once. Returns the queue ids from the 250s. */
    private List<String> sendConcurrently(int port) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
        try {
            List<Future<List<String>>> sessions = new ArrayList<>();
            for (int s = 0; s < SESSIONS; s++) {
                int session = s;
                sessions.add(pool.submit(() -> {
                    List<String> ids = new ArrayList<>();
                    try (RawSmtp c = RawSmtp.connect(port)) {
                        c.reply();
                        c.cmd("EHLO client" + session + ".test");
                        for (int i = 0; i < MESSAGES_PER_SESSION; i++) {
                            assertTrue(c.cmd("MAIL FROM:<s" + session + "@far.test>").startsWith("250 "));
                            assertTrue(c.cmd("RCPT TO:<alice@example.test>").startsWith("250 "));
                            if (i % 3 == 0) {
                                assertTrue(c.cmd("RCPT TO:<bob@example.test>").startsWith("250 "));
                            }
                            assertTrue(c.cmd("DATA").startsWith("354 "));
                            String reply = c.cmd("Subject: " + session + "/" + i + "\r\n\r\nbody\r\n.");
                            Matcher m = QUEUED.matcher(reply);
                            assertTrue(m.find(), "not accepted: " + reply);
                            ids.add(m.group(1));
                        }
                        c.cmd("QUIT");
                    }
                    return ids;
                }));
            }
            List<String> all = new ArrayList<>();
            for (Future<List<String>> f : sessions) {
                all.addAll(f.get());
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private void check(List<String> acknowledged, boolean groupCommit) {
        Map<String, Event> contents = new HashMap<>();
        Map<String, Event> commits = new HashMap<>();
        Map<String, Event> replies = new HashMap<>();
        List<long[]> syncs = new ArrayList<>(); // successful syncs: {start, end}, in order (one syncer thread)
        long openStart = -1;
        for (Event e : events.stream().sorted((a, b) -> Long.compare(a.seq(), b.seq())).toList()) {
            switch (e.kind()) {
                case "content-durable" -> contents.put(e.queueId(), e);
                case "commit" -> commits.put(e.queueId(), e);
                case "250" -> replies.put(e.queueId(), e);
                case "sync-start" -> openStart = e.seq();
                case "sync-end" -> {
                    if (e.ok()) {
                        syncs.add(new long[] {openStart, e.seq()});
                    }
                }
                default -> throw new IllegalStateException(e.kind());
            }
        }
        List<String> violations = new ArrayList<>();
        for (String id : acknowledged) {
            Event commit = commits.get(id);
            Event reply = replies.get(id);
            if (commit == null || reply == null) {
                violations.add(id + ": commit or 250 not reported");
                continue;
            }
            Event content = contents.get(id);
            if (commit.seq() > reply.seq()) {
                violations.add(id + ": 250 before its commit");
            } else if (groupCommit && (content == null || content.seq() > commit.seq())) {
                violations.add(id + ": committed (#" + commit.seq() + ") before its content file was durable"
                        + (content == null ? " (never reported)" : " (#" + content.seq() + ")"));
            } else if (groupCommit) {
                // the first successful sync that started after the commit: it must have ended before the 250
                long[] covering = syncs.stream().filter(s -> s[0] > commit.seq()).findFirst().orElse(null);
                if (covering == null || covering[1] > reply.seq()) {
                    violations.add(id + ": 250 (#" + reply.seq() + ") before a sync covering its commit (#" + commit.seq() + ") ended"
                            + (covering == null ? " (none ever did)" : " (#" + covering[1] + ")"));
                }
            } else if (!commit.ok()) {
                violations.add(id + ": committed with synchronous_commit off");
            }
        }
        System.out.printf("%d messages acknowledged, %d disk syncs, %d violations%n", acknowledged.size(), syncs.size(), violations.size());
        assertEquals(List.of(), violations.subList(0, Math.min(10, violations.size())),
                violations.size() + " of " + acknowledged.size() + " messages were acknowledged too early");
    }
}
