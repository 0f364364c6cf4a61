package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

/** Garbage, NULs, bare CR/LF, huge lines and abrupt closes never crash the server or reach our error log. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Pop3HostileInputSocketTest {

    @Test
    void randomInputNeverCrashesTheServer() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        try (Pop3Fixture f = Pop3Fixture.start(java.util.Map.of("limits.auth-failures", "100000"), s -> s)) {
            f.addUser("alice@example.test", "pw");
            f.deliver("Subject: x\r\n\r\ny\r\n", f.temp.store().users().find(io.mailserver.store.MailAddress.parse("alice@example.test")).get());
            Random r = new Random(7);
            String[] words = {"USER alice@example.test", "PASS pw", "STAT", "LIST", "RETR 1", "TOP 1 0", "DELE 1", "RSET", "UIDL",
                    "AUTH PLAIN", "AUTH PLAIN =", "CAPA", "NOOP", "RETR 99999999999999999999", "TOP 1 -5", "LIST 0", "*"};
            for (int conn = 0; conn < 30; conn++) {
                try (Socket s = new Socket("127.0.0.1", f.port())) {
                    s.setSoTimeout(5000);
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    for (int i = 0; i < 40; i++) {
                        byte[] chunk;
                        switch (r.nextInt(5)) {
                            case 0 -> chunk = (words[r.nextInt(words.length)] + "\r\n").getBytes(StandardCharsets.US_ASCII);
                            case 1 -> {
                                chunk = new byte[r.nextInt(300)];
                                r.nextBytes(chunk);
                            }
                            case 2 -> chunk = (words[r.nextInt(words.length)] + (r.nextBoolean() ? "\n" : "\r")).getBytes(StandardCharsets.US_ASCII);
                            case 3 -> chunk = ("NOOP " + "z".repeat(r.nextInt(20_000)) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                            default -> chunk = new byte[] {0, '\r', '\n'};
                        }
                        try {
                            out.write(chunk);
                        } catch (IOException closedByServer) {
                            break;
                        }
                        while (in.available() > 0) {
                            in.skip(in.available());
                        }
                    }
                    // some connections just vanish mid-command
                    if (conn % 3 == 0) {
                        s.setSoLinger(true, 0);
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (f.pop3.connections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, f.pop3.connections(), "every session ended");
            try (Pop3TestClient c = f.connect()) {
                c.login("alice@example.test", "pw");
                assertTrue(c.cmd("STAT").startsWith("+OK 1 "), "nothing was deleted by garbage");
            }
        } finally {
            root.detachAppender(appender);
        }
        for (ILoggingEvent e : appender.list) {
            if (!e.getLoggerName().startsWith("io.mailserver")) {
                // MINA's IoProcessor logs client resets at ERROR itself (without stack trace); not ours to judge
                continue;
            }
            assertTrue(e.getLevel().toInt() < Level.ERROR.toInt(), "error logged: " + e.getFormattedMessage());
            assertTrue(e.getThrowableProxy() == null, "stack trace logged: " + e.getFormattedMessage());
        }
    }
}
