package io.mailserver.server;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.config.ConfigDocs;
import io.mailserver.config.ConfigException;
import io.mailserver.config.ServerConfig;
import io.mailserver.store.DataDirectory;
import io.mailserver.store.StoreException;

/**
 * {@code bin/mailserver [--config FILE]}: opens the store, starts every configured listener and the
 * outbound queue, and serves until SIGTERM (or Ctrl-C), then shuts down cleanly.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("mailserver: --config needs a file name");
                        return 64;
                    }
                    configFile = Path.of(args[++i]);
                }
                case "--print-default-config" -> {
                    out.print(ConfigDocs.defaultConfigFile());
                    return 0;
                }
                case "--help", "-h" -> {
                    out.println("usage: mailserver [--config FILE] | --print-default-config | --help");
                    out.println("Runs SMTP (MX and submission), POP3 and the outbound queue in one process until SIGTERM.");
                    out.println("Without --config the defaults apply; MAILSERVER_* environment variables override either.");
                    return 0;
                }
                default -> {
                    err.println("mailserver: unknown argument \"" + args[i] + "\" (try --help)");
                    return 64;
                }
            }
        }
        ServerConfig config;
        try {
            config = ServerConfig.load(configFile, System.getenv());
        } catch (ConfigException e) {
            err.println("mailserver: " + e.getMessage());
            return 78;
        }
        try {
            // before logging, which may write its file inside and would create the directory with the umask's mode
            DataDirectory.create(config.dataDir());
        } catch (StoreException e) {
            err.println("mailserver: " + e.getMessage());
            return 1;
        }
        LoggingSetup.apply(config);
        Logger log = LoggerFactory.getLogger(Main.class);
        MailServer server;
        try {
            server = MailServer.start(config);
        } catch (RuntimeException | java.io.IOException e) {
            log.error("cannot start: {}", e.getMessage());
            err.println("mailserver: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("SIGTERM received, shutting down");
            server.close();
            stopped.countDown();
        }, "shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
