package io.mailserver.store.jdbc;

import io.mailserver.store.Domain;
import io.mailserver.store.MailAddress;
import io.mailserver.store.PasswordHasher;
import java.nio.file.Path;

/**
 * Run as a second process by {@link AutoServerTest}, the way mailctl runs beside the server: opens the
 * store of the same data directory, adds a domain and a user, prints every domain, and exits.
 */
public final class AdminChild {
    private AdminChild() {
    }

    public static void main(String[] args) {
        Path dataDir = Path.of(args[0]);
        try (JdbcMailStore store = JdbcMailStore.open(JdbcMailStore.defaultUrl(dataDir), "mail", "", 2, dataDir, new PasswordHasher(1000))) {
            store.domains().add("child.test");
            store.users().add(MailAddress.parse("carol@child.test"), "Carol", "pw".toCharArray());
            for (Domain d : store.domains().list()) {
                System.out.println("DOMAIN " + d.name());
            }
            System.out.println("USERS " + store.users().list(java.util.Optional.empty()).size());
        }
    }
}
