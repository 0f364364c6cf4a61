package io.mailserver.admin;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailStore;

/** How mailctl reaches the store; the default is the JDBC store the server uses, on the same configuration. */
@FunctionalInterface
public interface StoreOpener {
    MailStore open(ServerConfig config);
}
