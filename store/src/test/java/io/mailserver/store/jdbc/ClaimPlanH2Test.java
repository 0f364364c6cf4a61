package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.Delivery;
import io.mailserver.store.QueueEntry;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The benchmark found every claim walking the whole outbound_queue (DELIVERED history included): H2
 * answered the claim's OR of two due conditions with a table scan. Each claim query must use an index,
 * and so must the history purge's.
 */
@Timeout(60)
class ClaimPlanH2Test extends StoreTestBase {
    @Override
    Backend backend() {
        return Backend.H2;
    }

    @Test
    void everyClaimQueryIsAnsweredFromAnIndex() throws Exception {
        try (Delivery d = store.messages().begin("a@remote.example", "Q")) {
            d.content().write("x\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 300; i++) {
                d.addRemoteRecipient("r" + i + "@remote" + (i % 7) + ".example");
            }
            d.commit();
        }
        store.database().write("making history", c -> Accounts.update(c,
                "UPDATE outbound_queue SET state = 'DELIVERED', finished_at = CURRENT_TIMESTAMP WHERE id > 10"));

        for (JdbcQueue.DueQuery q : JdbcQueue.DueQuery.values()) {
            for (int skipped : new int[] {0, 2}) {
                String plan = explain(q, skipped);
                assertFalse(plan.contains("tableScan"), q + " with " + skipped + " skipped domains scans the table:\n" + plan);
                assertTrue(plan.contains("OUTBOUND_QUEUE_DUE_IX") || plan.contains("OUTBOUND_QUEUE_LEASE_IX"), plan);
            }
        }

        List<QueueEntry> claimed = store.queue().claim("r", 50, Duration.ofMinutes(1), List.of("remote3.example"));
        assertEquals(10 - 1, claimed.size(), "the 10 queued rows but the one for remote3.example");
    }

    /** The history purge reads its batches from (state, finished_at) in index order, not by walking or sorting the table. */
    @Test
    void thePurgeFindsFinishedRowsFromAnIndex() {
        String plan = store.database().read("explaining the purge", c -> {
            try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + JdbcQueue.finishedRowsSql())) {
                ps.setString(1, "DELIVERED");
                Database.setInstant(ps, 2, Instant.now());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        assertFalse(plan.contains("tableScan"), plan);
        assertTrue(plan.contains("OUTBOUND_QUEUE_FINISHED_IX"), plan);
        assertTrue(plan.contains("index sorted"), "one batch is read in index order, not all finished rows sorted:\n" + plan);
    }

    private String explain(JdbcQueue.DueQuery q, int skipped) {
        return store.database().read("explaining " + q, c -> {
            try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + q.sql(skipped))) {
                ps.setString(1, q.state.name());
                Database.setInstant(ps, 2, Instant.now());
                int p = 3;
                for (int i = 0; i < skipped; i++) {
                    ps.setString(p++, "busy" + i + ".example");
                }
                ps.setInt(p, 5);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }
}
