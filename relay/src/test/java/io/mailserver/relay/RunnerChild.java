package io.mailserver.relay;

import io.mailserver.config.ServerConfig;
import io.mailserver.relay.client.SmtpTimeouts;
import io.mailserver.mailauth.dns.StaticDns;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.jdbc.JdbcMailStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A queue runner in its own JVM, for the tests that kill or stop one (kill -9, SIGSTOP). Arguments: the
 * data directory and the sink's port, then optionally a JDBC URL, user and password (default: the H2
 * file in the data directory). It runs as {@code child.test} with a 2 s lease.
 */
public final class RunnerChild {
    private RunnerChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        String url = args.length > 2 ? args[2] : JdbcMailStore.defaultUrl(dir);
        String user = args.length > 3 ? args[3] : "mail";
        String password = args.length > 4 ? args[4] : "";
        JdbcMailStore store = JdbcMailStore.open(url, user, password, 8, dir, new PasswordHasher(1_000));
        ServerConfig config = ServerConfig.fromMap(Map.of("server.hostname", "child.test", "relay.routes", "remote.test -> [127.0.0.1]:" + port,
                "relay.poll-interval", "100ms", "relay.lease", "2s", "relay.concurrency", "4", "relay.concurrency-per-destination", "4"));
        OutboundService.start(config, store, OutboundService.Options.defaults().withDns(new StaticDns()).withRunnerId("child")
                .withTimeouts(SmtpTimeouts.uniform(Duration.ofSeconds(2), Duration.ofMinutes(5))));
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
