package io.mailserver.relay;

import io.mailserver.config.ServerConfig;
import io.mailserver.mailauth.dkim.DkimAlgorithm;
import io.mailserver.mailauth.dkim.DkimKeys;
import io.mailserver.relay.testing.PeerSmtpServer;
import io.mailserver.relay.testing.Queueing;
import io.mailserver.mailauth.dns.StaticDns;
import io.mailserver.store.DkimKey;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.QueueEntry;
import io.mailserver.store.jdbc.JdbcMailStore;
import io.mailserver.testkit.PostgresCluster;
import io.mailserver.testkit.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Not a test: measures messages per second relayed from the queue to a local sink (the scripted
 * peer, answering 250 at once) with 20 concurrent deliveries. The queue is filled first, then the
 * runner is started and timed until every row is DELIVERED.
 *
 * <p>Arguments: [messages (default 5000)] [h2|pg (default h2)] [message size in bytes (default 4096)]
 * [dkim: none (no keys, the default) | sign (local.test has an RSA-2048 and an Ed25519 key and every message is
 * signed with both) | off (the same keys, dkim.sign = false)]
 */
public final class OutboundBenchmark {
    private OutboundBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        boolean pg = args.length > 1 && args[1].equals("pg");
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 4096;
        String dkim = args.length > 3 ? args[3] : "none";
        Path dir = Files.createTempDirectory("outbound-bench-");
        String url = pg ? PostgresCluster.shared().createDatabase() : JdbcMailStore.defaultUrl(dir);
        String user = pg ? PostgresCluster.shared().user() : "mail";
        String password = pg ? PostgresCluster.shared().password() : "";
        StringBuilder body = new StringBuilder(Queueing.message("bench"));
        while (body.length() < size) {
            body.append("The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrstuvwxyz\r\n");
        }
        try (PeerSmtpServer sink = new PeerSmtpServer(); JdbcMailStore store = JdbcMailStore.open(url, user, password, 32, dir, new PasswordHasher(1_000))) {
            if (!dkim.equals("none")) {
                store.domains().add("local.test");
                List<DkimKey.New> keys = new ArrayList<>();
                for (DkimAlgorithm a : DkimAlgorithm.values()) {
                    KeyPair pair = DkimKeys.generate(a);
                    keys.add(new DkimKey.New("bench-" + a.keyType(), a.keyType(), pair.getPrivate().getEncoded(), DkimKeys.publicKeyRecordBytes(a, pair.getPublic())));
                }
                store.dkimKeys().add("local.test", keys);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                Queueing.enqueue(store, "bench@local.test", "B" + i, body.toString(), "r" + i + "@remote.test");
            }
            double fill = (System.nanoTime() - t0) / 1e9;
            ServerConfig config = ServerConfig.fromMap(Map.of("server.hostname", "bench.test", "relay.routes", "remote.test -> [127.0.0.1]:" + sink.port(),
                    "relay.concurrency", "20", "relay.concurrency-per-destination", "20", "relay.poll-interval", "100ms",
                    "dkim.sign", String.valueOf(!dkim.equals("off"))));
            long t1 = System.nanoTime();
            OutboundService service = OutboundService.start(config, store, OutboundService.Options.defaults().withDns(new StaticDns()));
            try {
                // watch the sink (cheap), then confirm in the store that every row is marked
                while (sink.messages.size() < messages) {
                    Thread.sleep(10);
                }
                while (store.queue().list().stream().anyMatch(r -> r.state() != QueueEntry.State.DELIVERED)) {
                    Thread.sleep(10);
                }
            } finally {
                service.stop(Duration.ofSeconds(5));
            }
            double secs = (System.nanoTime() - t1) / 1e9;
            long signed = sink.messages.stream().filter(m -> m.text().startsWith("DKIM-Signature:")).count();
            System.out.printf(Locale.ROOT, "store=%s messages=%d size=%dB dkim=%s queued in %.1fs; relayed in %.2fs: %.0f messages/s (sink connections: %d, received: %d, signed: %d)%n",
                    pg ? "postgresql" : "h2", messages, body.length(), dkim, fill, secs, messages / secs, sink.connections(), sink.messages.size(), signed);
        } finally {
            TestFiles.deleteTree(dir);
        }
    }
}
