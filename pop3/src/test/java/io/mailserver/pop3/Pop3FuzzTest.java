package io.mailserver.pop3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.filter.codec.ProtocolCodecSession;

import io.mailserver.session.Line;
import io.mailserver.net.LineDecoder;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Property-based fuzzing of the POP3 core without sockets: the real {@link LineDecoder} (as the listener
 * sets it up) fed hostile dialogs cut into reads at random places, its lines fed to {@link Pop3Session}
 * over in-memory users and maildrops. Whatever the input: no exception escapes, every reply is a
 * well-formed status line, SASL continuation or dot-terminated multi-line reply (RFC 1939 section 3,
 * RFC 5034 section 4), RETR gives the stored message back exactly, messages are deleted only by a QUIT
 * in the TRANSACTION state, and the maildrop lock is released when the session ends.
 */
class Pop3FuzzTest {
    private static final Pattern STATUS = Pattern.compile("(\\+OK|-ERR)( [\\x20-\\x7e]*)?\r\n");
    private static final Pattern CONTINUATION = Pattern.compile("\\+ [A-Za-z0-9+/=]*\r\n");
    private static final Pattern QUIT_WITH_DELETES = Pattern.compile("\\+OK .* signing off \\((\\d+) messages? left\\)\r\n");

    /** Stored messages: dots at line starts, a lone dot line, 8-bit text, one without a final CRLF. */
    private static final List<String> MESSAGES = List.of(
            "Return-Path: <s@x.test>\r\nSubject: one\r\n\r\nHello\r\n.dot line\r\n.\r\n..\r\n",
            "Return-Path: <>\r\nSubject: two\r\n\r\nBody\r\nline 2\r\n",
            "Subject: three\r\n\r\n\u00e9t\u00e9\r\n.\r\n",
            "Subject: four, no final newline\r\n\r\nlast line");

    @Property(tries = 1000)
    void randomDialogsGetWellFormedRepliesAndDeleteOnlyOnQuit(@ForAll("dialogs") byte[] input, @ForAll("cuts") List<Integer> cuts,
                                                              @ForAll @IntRange(min = 2, max = 9000) int readBuffer,
                                                              @ForAll boolean strictErrors) throws Exception {
        InMemoryUsers users = new InMemoryUsers();
        InMemoryMaildrops drops = new InMemoryMaildrops();
        long alice = users.add("alice@example.test", "right pass").id();
        users.add("bob@example.test", "bobpw");
        for (String m : MESSAGES) {
            drops.put(alice, m.getBytes(StandardCharsets.ISO_8859_1));
        }
        // limits.errors 20 ends many sessions early; 1,000 lets the fuzzer go deeper
        Pop3Settings settings = new Pop3Settings("pop.example.test", Optional.of("example.test"), Duration.ofMinutes(10),
                Duration.ofMinutes(15), strictErrors ? 20 : 1000, 5, Duration.ofMinutes(15), 3, Duration.ofMillis(10),
                Duration.ofMillis(80), Duration.ofMillis(5));
        Pop3Context ctx = Pop3Context.create(settings, users, drops, new MutableClock());
        Pop3Session session = new Pop3Session(ctx, InetAddress.getByName("192.0.2.9"));
        checkStatus(session.greeting());

        LineDecoder decoder = new LineDecoder(Pop3Settings.MAX_AUTH_LINE); // as Pop3Service sets up its listener
        decoder.setTransportMetadataFragmentation(false);
        ProtocolCodecSession io = new ProtocolCodecSession();
        Integer leftAfterQuit = null;
        feeding:
        for (byte[] read : Pop3FuzzInput.pieces(input, cuts)) {
            decoder.decode(io, IoBuffer.wrap(read), io.getDecoderOutput());
            Object message;
            while ((message = io.getDecoderOutputQueue().poll()) != null) {
                Line line = (Line) message;
                boolean quitFromTransaction = session.state() == Pop3State.TRANSACTION && isQuit(line);
                int deletesBefore = drops.deleteCalls.get();
                Pop3Reply reply = session.onLine(line);
                if (drops.deleteCalls.get() != deletesBefore && !quitFromTransaction) {
                    throw new AssertionError("messages deleted outside QUIT in TRANSACTION");
                }
                check(reply, readBuffer);
                if (quitFromTransaction && QUIT_WITH_DELETES.matcher(reply.text()).matches()) {
                    var m = QUIT_WITH_DELETES.matcher(reply.text());
                    m.matches();
                    leftAfterQuit = Integer.parseInt(m.group(1));
                }
                if (reply.close()) {
                    break feeding; // the transport closes after this reply: nothing more is read
                }
            }
        }
        session.connectionClosed("fuzz input ended");
        if (drops.isLocked(alice) || ctx.leases().size() != 0) {
            throw new AssertionError("the maildrop lock outlived the session");
        }
        int left = drops.count(alice);
        if (leftAfterQuit == null ? left != MESSAGES.size() : left != leftAfterQuit) {
            throw new AssertionError(left + " messages left; QUIT said " + leftAfterQuit);
        }
    }

    /** A complete line whose verb is QUIT (arguments are ignored by the server, as by many others). */
    private static boolean isQuit(Line line) {
        if (!line.isComplete() || line.ending() == Line.Ending.BARE_CR) {
            return false;
        }
        CommandLine command = CommandLine.parse(line.bytes().clone());
        return command != null && command.verb().equals("QUIT");
    }

    private static void check(Pop3Reply reply, int readBuffer) throws IOException {
        if (reply.isNone()) {
            return;
        }
        String text = reply.text();
        if (reply.body() != null) {
            checkStatus(text);
            if (!text.startsWith("+OK")) {
                throw new AssertionError("a body after a negative reply");
            }
            String body = render(reply.body(), readBuffer);
            String unstuffed = unstuff(body);
            boolean top = text.equals("+OK Top of message follows\r\n");
            boolean found = false;
            for (String m : MESSAGES) {
                String stored = m.endsWith("\r\n") ? m : m + "\r\n";
                found |= top ? stored.startsWith(unstuffed) : stored.equals(unstuffed);
            }
            if (!found) {
                throw new AssertionError("RETR/TOP gave back something that was never stored: " + visible(body));
            }
            return;
        }
        int lines = text.split("\r\n", -1).length - 1;
        if (lines == 1) {
            if (!STATUS.matcher(text).matches() && !CONTINUATION.matcher(text).matches()) {
                throw new AssertionError("malformed reply: " + visible(text));
            }
            return;
        }
        // a multi-line reply: +OK status line, stuffed lines, "." alone at the end
        checkStatus(text.substring(0, text.indexOf("\r\n") + 2));
        if (!text.startsWith("+OK")) {
            throw new AssertionError("a multi-line -ERR reply: " + visible(text));
        }
        unstuff(text.substring(text.indexOf("\r\n") + 2));
    }

    private static void checkStatus(String line) {
        if (!STATUS.matcher(line).matches()) {
            throw new AssertionError("malformed status line: " + visible(line));
        }
    }

    /** The content of a dot-terminated block; fails unless every line is CRLF-ended and stuffed (RFC 1939 section 3). */
    private static String unstuff(String block) {
        if (!block.endsWith(".\r\n") || !(block.length() == 3 || block.endsWith("\r\n.\r\n"))) {
            throw new AssertionError("multi-line block not terminated by CRLF.CRLF: " + visible(block));
        }
        String content = block.substring(0, block.length() - 3);
        StringBuilder out = new StringBuilder(content.length());
        for (String line : content.split("(?<=\r\n)")) {
            if (line.isEmpty()) {
                continue;
            }
            if (!line.endsWith("\r\n") || line.substring(0, line.length() - 2).contains("\r")) {
                throw new AssertionError("a line without CRLF inside a multi-line reply: " + visible(line));
            }
            if (line.startsWith(".") && !line.startsWith("..")) {
                throw new AssertionError("an unstuffed dot line: " + visible(line));
            }
            out.append(line.startsWith(".") ? line.substring(1) : line);
        }
        return out.toString();
    }

    private static String render(MessageBody body, int bufferSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[bufferSize];
        try (body) {
            int n;
            while ((n = body.read(buf, 0, buf.length)) >= 0) {
                out.write(buf, 0, n);
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Provide
    Arbitrary<byte[]> dialogs() {
        return Pop3FuzzInput.dialogs();
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Pop3FuzzInput.cuts();
    }

    static String visible(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c == '\r' ? "\\r" : c == '\n' ? "\\n" : c < 32 || c > 126 ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }
}
