package io.mailserver.mta;

import java.util.Map;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailStore;
import io.mailserver.store.jdbc.JdbcMailStore;

/**
 * The SMTP server alone in its own JVM, for the crash test: opens the store in the data directory given
 * as the argument, listens on an ephemeral loopback port, prints {@code PORT <n>} and runs until killed.
 */
public final class ChildSmtpServer {
    private ChildSmtpServer() {
    }

    public static void main(String[] args) throws Exception {
        ServerConfig config = ServerConfig.fromMap(Map.of("server.data-dir", args[0], "smtp.listen", "127.0.0.1:0",
                "server.hostname", "mx.example.test"));
        MailStore store = JdbcMailStore.open(config);
        SmtpService service = SmtpService.start(config, store);
        System.out.println("PORT " + service.port());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
