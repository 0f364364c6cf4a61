package io.mailserver.admin;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.User;
import io.mailserver.store.jdbc.JdbcMailStore;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Child process of {@link MailctlConcurrentProcessTest}, standing in for the running server: opens the
 * store on a data directory and keeps it open, writes a domain of its own, waits for a user that mailctl
 * adds from the other process, then writes an alias to it. Speaks in lines on stdout; quits on stdin "quit".
 * Args: data directory, address to wait for.
 */
public final class StoreHolderMain {
    public static void main(String[] args) throws Exception {
        String dataDir = args[0];
        MailAddress awaited = MailAddress.parse(args[1]);
        try (MailStore store = JdbcMailStore.open(ServerConfig.load(null, Map.of("MAILSERVER_SERVER_DATA_DIR", dataDir)))) {
            store.domains().add("child.test");
            say("READY");
            long deadline = System.nanoTime() + 60_000_000_000L;
            Optional<User> seen = Optional.empty();
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                seen = store.users().find(awaited);
                if (seen.isEmpty()) {
                    Thread.sleep(50);
                }
            }
            if (seen.isEmpty()) {
                say("TIMEOUT");
                System.exit(3);
            }
            say("SEEN " + seen.get().address() + " " + seen.get().displayName());
            store.aliases().add(MailAddress.parse("all@" + awaited.normalizedDomain()), List.of(awaited));
            say("ALIASED");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals("quit")) {
                // wait for the test to finish its checks while the store is still held here
            }
        }
        say("CLOSED");
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
