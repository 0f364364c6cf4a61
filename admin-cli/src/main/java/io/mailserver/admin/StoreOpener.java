package io.mailserver.admin;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailStore;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.jdbc.JdbcMailStore;

/** How mailctl reaches the store; the default is the JDBC store the server uses, on the same configuration. */
@FunctionalInterface
public interface StoreOpener {
    /**
     * The server's store, opened as a tool: no background content sweep (each mailctl call would run a
     * full one) and no change to how the database is secured (the running server does that).
     */
    StoreOpener DEFAULT = config -> JdbcMailStore.open(config, new PasswordHasher(), JdbcMailStore.Role.TOOL);

    MailStore open(ServerConfig config);
}
