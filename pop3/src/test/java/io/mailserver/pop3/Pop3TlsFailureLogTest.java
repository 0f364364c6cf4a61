package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mailserver.store.User;

/**
 * A TLS failure is logged once per session, naming the exception, at a level that says whose fault it is; a
 * client that hangs up in the middle of a large RETR under TLS costs no warning and no lock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Pop3TlsFailureLogTest {
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private Pop3Fixture f;

    @BeforeEach
    void start() {
        f = Pop3Fixture.startSecure();
        log.start();
        root.addAppender(log);
    }

    @AfterEach
    void stop() {
        root.detachAppender(log);
        f.close();
    }

    /** Plaintext sent to POP3S: the client's mistake, one INFO line with the exception's class, no WARN. */
    @Test
    void plaintextOnPop3sIsOneInfoLine() throws Exception {
        try (Socket s = new Socket("127.0.0.1", f.pop3.tlsPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("USER alice@example.test\r\nPASS pw\r\nSTAT\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes(); // an alert, then the server closes
        }
        awaitLog(e -> e.getFormattedMessage().startsWith("pop3 session end"));
        List<ILoggingEvent> failures = events(e -> e.getFormattedMessage().contains("TLS failure"));
        assertEquals(1, failures.size(), failures.toString());
        assertEquals(Level.INFO, failures.get(0).getLevel());
        assertTrue(failures.get(0).getFormattedMessage().contains("javax.net.ssl.SSL"), failures.get(0).getFormattedMessage());
        assertEquals(List.of(), events(e -> e.getLevel().isGreaterOrEqual(Level.WARN)));
    }

    /**
     * A reset in the middle of a 7 MB RETR: no warning, no TLS failure line, the DELE and QUIT pipelined behind the RETR
     * do not run (nothing deleted), the lock is free again.
     */
    @Test
    void clientResetMidRetrIsQuiet() throws Exception {
        User u = f.addUser("seven@example.test", "pw");
        BigMessage.deliver(f, u, 7_000_000);
        Socket plain = new Socket("127.0.0.1", f.pop3.tlsPort());
        plain.setSoTimeout(10_000);
        SSLSocket tls = (SSLSocket) Pop3LargeTlsTest.trusting(f).getSocketFactory().createSocket(plain, "localhost", plain.getPort(), true);
        InputStream in = new BufferedInputStream(tls.getInputStream());
        OutputStream out = tls.getOutputStream();
        assertTrue(Pop3LargeTlsTest.line(in).startsWith("+OK"));
        // DELE and QUIT pipelined behind the RETR must not run once the RETR was cut off
        out.write("USER seven@example.test\r\nPASS pw\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertTrue(Pop3LargeTlsTest.line(in).startsWith("+OK"));
        assertTrue(Pop3LargeTlsTest.line(in).startsWith("+OK Logged in"));
        assertTrue(Pop3LargeTlsTest.line(in).startsWith("+OK 7"));
        in.readNBytes(1024 * 1024);
        plain.setSoLinger(true, 0); // close with a reset, no close_notify
        plain.close();

        awaitLog(e -> e.getFormattedMessage().startsWith("pop3 session end"));
        assertEquals(List.of(), events(e -> e.getLevel().isGreaterOrEqual(Level.WARN) || e.getFormattedMessage().contains("TLS failure")));
        Socket again = new Socket("127.0.0.1", f.pop3.tlsPort());
        try (SSLSocket s = (SSLSocket) Pop3LargeTlsTest.trusting(f).getSocketFactory().createSocket(again, "localhost", again.getPort(), true)) {
            s.setSoTimeout(10_000);
            InputStream in2 = s.getInputStream();
            s.getOutputStream().write("USER seven@example.test\r\nPASS pw\r\nSTAT\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(Pop3LargeTlsTest.line(in2).startsWith("+OK"));
            assertTrue(Pop3LargeTlsTest.line(in2).startsWith("+OK"));
            String login = Pop3LargeTlsTest.line(in2);
            assertTrue(login.startsWith("+OK Logged in"), "the dropped session released its lock: " + login);
            assertTrue(Pop3LargeTlsTest.line(in2).startsWith("+OK 1 "), "nothing was deleted");
        }
    }

    /**
     * The server's own log lines that match. MINA's are left out: the server's logging configuration turns off the
     * ERROR line MINA's I/O processor writes for every connection reset.
     */
    private List<ILoggingEvent> events(Predicate<ILoggingEvent> which) {
        synchronized (log) {
            return log.list.stream().filter(e -> e.getLoggerName().startsWith("io.mailserver")).filter(which).toList();
        }
    }

    private void awaitLog(Predicate<ILoggingEvent> which) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (events(which).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "log line did not come");
            Thread.sleep(20);
        }
        Thread.sleep(200); // what MINA reports after the close, too
    }
}
