package io.mailserver.server;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;

/** The launcher's command line: errors are one line naming the problem, and nothing starts. */
class MainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badValueStopsTheStartNamingKeyAndValue() throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "server.data-dir = " + dir.resolve("data") + "\nlimits.message-size = lots\n");
        assertEquals(78, run("--config", conf.toString()));
        String e = err();
        assertEquals(1, e.strip().lines().count(), e);
        assertTrue(e.contains("limits.message-size") && e.contains("lots"), e);
        assertFalse(Files.exists(dir.resolve("data")), "nothing may be created for a refused configuration");
    }

    /**
     * The data directory is made owner-only before anything is written into it, the log file included
     * (logback would make the directory with the umask's mode), and the store's password is in it, 0600.
     * The start is made to fail at the SMTP listener (its port is taken), after the store opened.
     */
    @Test
    void theDataDirectoryIsCreatedOwnerOnlyBeforeTheLogFileInIt() throws Exception {
        Path data = dir.resolve("data");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path conf = dir.resolve("private.conf");
            Files.writeString(conf, "server.data-dir = " + data + "\nlog.file = mailserver.log\n"
                    + "smtp.listen = 127.0.0.1:" + taken.getLocalPort() + "\nsubmission.listen =\nsmtps.listen =\n"
                    + "pop3.listen =\npop3s.listen =\n");
            try {
                assertEquals(1, run("--config", conf.toString()), err());
            } finally {
                detachLogFile();
            }
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
        assertTrue(Files.exists(data.resolve("mailserver.log")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("db.secret"))));
    }

    /** LoggingSetup added a file appender to this JVM's logging; later tests must not write into a deleted directory. */
    private static void detachLogFile() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            Appender<ILoggingEvent> file = root.getAppender("FILE");
            if (file != null) {
                root.detachAppender(file);
                file.stop();
            }
        }
    }

    @Test
    void unknownKeyStopsTheStart() throws Exception {
        Path conf = dir.resolve("typo.conf");
        Files.writeString(conf, "smtp.lisen = 127.0.0.1:25\n");
        assertEquals(78, run("--config", conf.toString()));
        assertTrue(err().contains("smtp.lisen"), err());
    }

    @Test
    void missingConfigFileIsNamed() {
        assertEquals(78, run("--config", dir.resolve("nope.conf").toString()));
        assertTrue(err().contains("nope.conf"), err());
    }

    @Test
    void unknownArgumentAndMissingValueAreUsageErrors() {
        assertEquals(64, run("--frobnicate"));
        assertTrue(err().contains("--frobnicate"), err());
        assertEquals(64, run("--config"));
    }

    @Test
    void printsTheDefaultConfigurationItAccepts() throws Exception {
        assertEquals(0, run("--print-default-config"));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("#smtp.listen = 0.0.0.0:2525"), text);
        Path conf = dir.resolve("printed.conf");
        Files.writeString(conf, text);
        assertNotNull(io.mailserver.config.ServerConfig.load(conf, java.util.Map.of()));
    }
}
