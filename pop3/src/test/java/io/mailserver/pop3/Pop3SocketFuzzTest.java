package io.mailserver.pop3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.mailserver.store.User;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The fuzzed dialogs of {@link Pop3FuzzTest} against the real POP3 server over a socket, from
 * 127.0.0.2 (so their failed logins count against that address only): every line that comes back ends
 * with CRLF, and afterwards an ordinary session from 127.0.0.1 logs in and retrieves its message.
 */
class Pop3SocketFuzzTest {
    private static Pop3Fixture fixture;
    private static byte[] bobsMessage;

    @BeforeContainer
    static void start() {
        fixture = Pop3Fixture.start(Map.of(), s -> s);
        User alice = fixture.addUser("alice@example.test", "right pass");
        User bob = fixture.addUser("bob@example.test", "bobpw");
        fixture.deliver("Subject: one\r\n\r\n.dot\r\n", alice);
        fixture.deliver("Subject: two\r\n\r\nbody\r\n", alice);
        bobsMessage = fixture.deliver("Subject: for bob\r\n\r\n..two dots\r\n", bob);
    }

    @AfterContainer
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Property(tries = 60)
    void aFuzzedSessionGetsCrlfLinesAndTheNextSessionIsServed(@ForAll("dialogs") byte[] input, @ForAll("cuts") List<Integer> cuts)
            throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            s.connect(new InetSocketAddress("127.0.0.1", fixture.port()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                for (byte[] piece : Pop3FuzzInput.pieces(input, cuts)) {
                    out.write(piece);
                    out.flush();
                }
                s.shutdownOutput();
            } catch (IOException e) {
                // the server closed first (QUIT, too many errors): what it sent is still checked
            }
            checkCrlfLinesUntilClosed(s.getInputStream());
        }
        try (Pop3TestClient c = fixture.connect()) {
            if (!c.greeting.startsWith("+OK")) {
                throw new AssertionError("greeting: " + c.greeting);
            }
            c.login("bob@example.test", "bobpw");
            List<String> lines = c.multi("RETR 1");
            String retrieved = String.join("\r\n", lines) + "\r\n";
            if (!retrieved.equals(new String(bobsMessage, StandardCharsets.ISO_8859_1))) {
                throw new AssertionError("RETR after the fuzzed session: " + retrieved);
            }
            c.quit();
        }
    }

    private static void checkCrlfLinesUntilClosed(InputStream in) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b;
            try {
                b = in.read();
            } catch (IOException e) {
                return; // reset after the server closed on unread input
            }
            if (b < 0) {
                return;
            }
            if (b == '\n' && previous != '\r') {
                throw new AssertionError("a bare LF from the server after: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            line.write(b);
            if (b == '\n') {
                line.reset();
            }
            previous = b;
        }
    }

    @Provide
    Arbitrary<byte[]> dialogs() {
        return Pop3FuzzInput.dialogs();
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Pop3FuzzInput.cuts();
    }
}
