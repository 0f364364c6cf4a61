package io.mailserver.mta.smtp;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.filter.codec.ProtocolCodecSession;

import io.mailserver.config.ServerConfig;
import io.mailserver.session.Line;
import io.mailserver.net.LineDecoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Property-based fuzzing of the SMTP core without sockets: the real {@link LineDecoder} fed hostile
 * dialogs cut into reads at random places, its lines fed to {@link SmtpProtocol} over an in-memory store.
 * Whatever the input: no exception escapes (the core's catch-all reply never appears), every reply is a
 * well-formed RFC 5321 reply, nothing is answered after the session closed, and a message is stored
 * exactly when its DATA got a 250, with only CRLF line ends (smuggling).
 */
class SmtpFuzzTest {
    /** RFC 5321 4.2: code, SP or "-", text of HT and printable US-ASCII, CRLF. */
    private static final Pattern REPLY_LINE = Pattern.compile("[2-5][0-5][0-9][ -][\t\\x20-\\x7e]*\r\n");
    /** RFC 3463 section 2: class.subject.detail. */
    private static final Pattern ENHANCED = Pattern.compile("[245]\\.[0-9]{1,3}\\.[0-9]{1,3}");
    private static final int[] FRAGMENT_SIZES = {16, 100, 8192};

    /** One fuzzed session: what the decoder and the core made of the input. */
    static final class Run {
        final FakeStore store = new FakeStore().domain("example.test").domain("other.example");
        final SmtpProtocol protocol;
        final List<Outcome> outcomes = new ArrayList<>();
        int queuedReplies;

        Run(Map<String, String> config, String clientIp, ListenerProfile profile) throws Exception {
            store.user("alice@example.test", "Alice");
            store.user("bob@example.test", "");
            store.alias("team@example.test", "alice@example.test", "bob@example.test", "carol@remote.test");
            Map<String, String> keys = new HashMap<>(config);
            keys.put("server.hostname", "mx.example.test");
            ServerConfig c = ServerConfig.fromMap(keys);
            SmtpContext context = new SmtpContext(SmtpSettings.from(c).withErrorDelay(java.time.Duration.ZERO), store, Dialog.CLOCK);
            InetAddress ip = InetAddress.getByName(clientIp);
            protocol = new SmtpProtocol(context, new SmtpSession("FUZZ", ip, c.isTrusted(ip), profile));
        }

        void feed(List<byte[]> reads, int fragmentSize) throws Exception {
            check(Outcome.reply(protocol.greeting()), false);
            LineDecoder decoder = new LineDecoder(fragmentSize);
            decoder.setTransportMetadataFragmentation(false); // TCP fragments: accumulate across reads
            ProtocolCodecSession session = new ProtocolCodecSession();
            boolean closed = false;
            for (byte[] read : reads) {
                decoder.decode(session, IoBuffer.wrap(read), session.getDecoderOutput());
                Object message;
                while ((message = session.getDecoderOutputQueue().poll()) != null) {
                    Outcome outcome = protocol.onLine((Line) message);
                    check(outcome, closed);
                    closed |= outcome.close();
                }
            }
            protocol.onDisconnect();
        }

        private void check(Outcome outcome, boolean alreadyClosed) {
            outcomes.add(outcome);
            if (alreadyClosed && !outcome.replies().isEmpty()) {
                throw new AssertionError("a reply after the session was closed: " + outcome.wire());
            }
            for (SmtpReply reply : outcome.replies()) {
                checkReply(reply);
                if (reply.summary().startsWith("250 2.0.0 Ok: queued as ")) {
                    queuedReplies++;
                }
            }
            if (outcome.close()) {
                int last = outcome.replies().get(outcome.replies().size() - 1).code();
                // RFC 5321 3.8: a server closing on its own says 421 first (221 answers QUIT; 554 refuses a pre-greeting talker)
                if (last != 221 && last != 421 && last != 554) {
                    throw new AssertionError("closing after " + outcome.wire());
                }
            }
        }

        static void checkReply(SmtpReply reply) {
            String wire = reply.toWire();
            if (wire.equals(Replies.internalError("mx.example.test").toWire())) {
                throw new AssertionError("an exception escaped into the core's catch-all");
            }
            String[] lines = wire.split("(?<=\r\n)");
            for (int i = 0; i < lines.length; i++) {
                if (!REPLY_LINE.matcher(lines[i]).matches()) {
                    throw new AssertionError("malformed reply line: " + visible(lines[i]));
                }
                if (!lines[i].startsWith(String.valueOf(reply.code()))) {
                    throw new AssertionError("code changes inside a reply: " + visible(wire));
                }
                // RFC 5321 4.2.1: "-" on every line but the last
                if ((lines[i].charAt(3) == ' ') != (i == lines.length - 1)) {
                    throw new AssertionError("bad continuation: " + visible(wire));
                }
            }
            if (reply.enhanced() != null && (!ENHANCED.matcher(reply.enhanced()).matches()
                    || reply.enhanced().charAt(0) != String.valueOf(reply.code()).charAt(0))) {
                // RFC 3463 section 3: the class of the enhanced code matches the reply code's first digit
                throw new AssertionError("enhanced status code " + reply.enhanced() + " on a " + reply.code() + " reply");
            }
        }

        /** Exactly once: each 250 to DATA is one stored message, each stored message had its 250; nothing left open. */
        void checkStore(boolean rejectBareNewline) {
            if (store.committed.size() != queuedReplies) {
                throw new AssertionError(store.committed.size() + " messages stored, " + queuedReplies + " acknowledged");
            }
            for (FakeStore.FakeDelivery d : store.begun) {
                if (!d.closed) {
                    throw new AssertionError("a delivery was left open after the session ended");
                }
            }
            for (FakeStore.Committed m : store.committed) {
                if (m.localUsers().isEmpty() && m.remote().isEmpty()) {
                    throw new AssertionError("a message stored without recipients");
                }
                String text = m.text();
                if (rejectBareNewline && text.replace("\r\n", "").matches("(?s).*[\r\n].*")) {
                    throw new AssertionError("a stored message has a bare CR or LF: " + visible(text));
                }
                if (!text.endsWith("\r\n")) {
                    throw new AssertionError("a stored message does not end with CRLF");
                }
            }
        }
    }

    @Property(tries = 1000)
    void randomDialogsGetWellFormedRepliesAndNothingHalfStored(@ForAll("dialogs") byte[] input, @ForAll("cuts") List<Integer> cuts,
                                                                @ForAll boolean lineByLine, @ForAll("configs") Map<String, String> config,
                                                                @ForAll("clients") String clientIp, @ForAll ListenerProfile profile,
                                                                @ForAll @IntRange(min = 0, max = 2) int fragment) throws Exception {
        Run run = new Run(config, clientIp, profile);
        run.feed(SmtpFuzzInput.pieces(input, cuts, lineByLine), FRAGMENT_SIZES[fragment]);
        run.checkStore(!"normalize".equals(config.get("smtp.bare-newline")));
    }

    /**
     * Every smuggling vector, cut into two reads at every offset, in both bare-newline modes: only CRLF.CRLF
     * ends the message, so the hidden second transaction (to bob) never happens.
     */
    @Property(tries = 2000)
    void smugglingNeverStartsASecondTransactionWhereverTheInputIsCut(@ForAll @IntRange(min = 0, max = 11) int vector,
                                                                     @ForAll @IntRange(min = 0, max = 200) int cut,
                                                                     @ForAll boolean normalize) throws Exception {
        Run run = new Run(normalize ? Map.of("smtp.bare-newline", "normalize") : Map.of(), "192.0.2.7", ListenerProfile.MX);
        String fake = SmtpFuzzInput.FAKE_TERMINATORS.get(vector);
        byte[] content = ("Subject: one\r\n\r\nbody" + fake + "MAIL FROM:<ceo@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n"
                + "Subject: smuggled\r\n\r\nevil\r\n.\r\n").getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> reads = new ArrayList<>();
        for (String line : List.of("EHLO client.test\r\n", "MAIL FROM:<sender@far.test>\r\n", "RCPT TO:<alice@example.test>\r\n", "DATA\r\n")) {
            reads.add(line.getBytes(StandardCharsets.ISO_8859_1));
        }
        reads.addAll(SmtpFuzzInput.pieces(content, List.of(cut), false));
        run.feed(reads, 8192);
        run.checkStore(!normalize);
        long bob = run.store.users.get("bob@example.test").id();
        for (FakeStore.Committed m : run.store.committed) {
            if (m.localUsers().contains(bob) || !m.localUsers().equals(Set.of(run.store.users.get("alice@example.test").id()))) {
                throw new AssertionError("smuggled transaction happened for " + visible(fake) + " cut at " + cut);
            }
        }
        boolean legal = fake.equals("\r\n..\r\n") || fake.equals("\r\n .\r\n") || fake.contains("\u0000");
        int expected = normalize || legal ? 1 : 0;
        if (run.store.committed.size() != expected) {
            throw new AssertionError(run.store.committed.size() + " messages stored for " + visible(fake) + " cut at " + cut);
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

    @Provide
    Arbitrary<String> clients() {
        return Arbitraries.of("127.0.0.1", "192.0.2.7");
    }

    @Provide
    Arbitrary<Map<String, String>> configs() {
        return Arbitraries.of(Map.of(), Map.of("smtp.bare-newline", "normalize"), Map.of("limits.errors", "1000"),
                Map.of("limits.errors", "1000", "smtp.long-data-lines", "reject", "limits.message-size", "2K"),
                Map.of("limits.recipients", "1", "limits.command-line-length", "512", "smtp.vrfy", "everyone"));
    }

    static String visible(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c == '\r' ? "\\r" : c == '\n' ? "\\n" : c < 32 || c > 126 ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }
}
