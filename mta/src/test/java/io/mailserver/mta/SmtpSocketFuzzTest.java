package io.mailserver.mta;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

import io.mailserver.mta.smtp.SmtpFuzzInput;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The fuzzed dialogs of {@code SmtpFuzzTest} against the real server over a socket: whatever a
 * session sent, every line that comes back is a well-formed reply, and the next, ordinary session is
 * served and its message stored.
 */
class SmtpSocketFuzzTest {
    private static final Pattern REPLY_LINE = Pattern.compile("[2-5][0-5][0-9][ -][\t\\x20-\\x7e]*\r\n");
    private static SmtpTestServer server;

    @BeforeContainer
    static void start() {
        server = SmtpTestServer.start();
    }

    @AfterContainer
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Property(tries = 60)
    void aFuzzedSessionGetsWellFormedRepliesAndTheNextSessionIsServed(@ForAll("dialogs") byte[] input,
                                                                      @ForAll("cuts") List<Integer> cuts) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                for (byte[] piece : SmtpFuzzInput.pieces(input, cuts, false)) {
                    out.write(piece);
                    out.flush();
                }
                s.shutdownOutput(); // end of input: the server sees the client go away
            } catch (IOException e) {
                // the server closed first (too many errors, improper pipelining): what it sent is still checked
            }
            checkRepliesUntilClosed(s.getInputStream());
        }
        int before = server.storedCount();
        try (RawSmtp c = server.connect()) {
            expect(c.reply(), "220 ");
            expect(c.cmd("EHLO client.test"), "250");
            expect(c.cmd("MAIL FROM:<s@far.test>"), "250 ");
            expect(c.cmd("RCPT TO:<alice@example.test>"), "250 ");
            expect(c.cmd("DATA"), "354 ");
            expect(c.cmd("Subject: after fuzz\r\n\r\nstill here\r\n."), "250 ");
        }
        if (server.storedCount() != before + 1) {
            throw new AssertionError("the ordinary message was not stored exactly once");
        }
    }

    private static void checkRepliesUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
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
            line.write(b);
            if (b == '\n') {
                String l = line.toString(StandardCharsets.ISO_8859_1);
                if (!REPLY_LINE.matcher(l).matches()) {
                    throw new AssertionError("malformed reply line on the wire: " + l.replace("\r", "\\r").replace("\n", "\\n"));
                }
                line.reset();
            }
        }
    }

    private static void expect(String reply, String prefix) {
        if (reply == null || !reply.startsWith(prefix)) {
            throw new AssertionError("expected " + prefix + " but got " + reply);
        }
    }

    @Provide
    Arbitrary<byte[]> dialogs() {
        return SmtpFuzzInput.dialogs();
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return SmtpFuzzInput.cuts();
    }
}
