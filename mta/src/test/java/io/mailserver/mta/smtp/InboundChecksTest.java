package io.mailserver.mta.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.mailserver.mailauth.dns.DnsAnswer;
import io.mailserver.mailauth.dns.StaticDns;
import io.mailserver.mta.smtp.check.CheckResult;
import io.mailserver.mta.smtp.check.ContentPatternCheck;
import io.mailserver.mta.smtp.check.DataCheck;
import io.mailserver.mta.smtp.check.DeclaredSizeCheck;
import io.mailserver.mta.smtp.check.HeaderField;
import io.mailserver.mta.smtp.check.LoopCheck;
import io.mailserver.mta.smtp.check.MessageScan;
import io.mailserver.mta.smtp.check.MessageSizeCheck;
import io.mailserver.mta.smtp.check.RecipientExistsCheck;
import io.mailserver.mta.smtp.check.RelayCheck;
import io.mailserver.mta.smtp.check.SenderDomainCheck;
import io.mailserver.mta.smtp.check.SenderOwnershipCheck;
import io.mailserver.store.MailAddress;
import io.mailserver.testkit.TempStore;

/**
 * Every inbound check as a table: what it is given, what it answers ("accept", or the reply's code and
 * enhanced code). The dialogs that turn these answers into replies are in SmtpProtocolTest and the socket tests.
 */
class InboundChecksTest {
    private static TempStore temp;

    @BeforeAll
    static void store() {
        temp = TempStore.create();
        temp.addUser("alice@example.test", "pw");
        temp.addUser("bob@example.test", "pw");
        temp.store().aliases().add(MailAddress.parse("ali@example.test"), List.of(MailAddress.parse("alice@example.test")));
        temp.store().aliases().add(MailAddress.parse("both@example.test"),
                List.of(MailAddress.parse("alice@example.test"), MailAddress.parse("bob@example.test")));
    }

    @AfterAll
    static void close() {
        temp.close();
    }

    private static SmtpSession session(boolean trustedNetwork, String authenticatedUser) {
        SmtpSession s = new SmtpSession("T", InetAddress.getLoopbackAddress(), trustedNetwork, ListenerProfile.MX);
        s.setAuthenticatedUser(authenticatedUser);
        return s;
    }

    private static String answer(CheckResult r) {
        return r.accepted() ? "accept" : r.reply().code() + " " + r.reply().enhanced() + (r.closes() ? " close" : "");
    }

    private static ReversePath sender(String address) {
        return address.isEmpty() ? ReversePath.NULL : new ReversePath(MailAddress.parse(address));
    }

    @ParameterizedTest(name = "SIZE={0} max={1} -> {2}")
    @CsvSource({
        "'',     100, accept",
        "100,    100, accept",
        "101,    100, 552 5.3.4",
        "0,      0,   accept",
    })
    void declaredSize(String declared, long max, String expected) {
        MailParameters p = new MailParameters(declared.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(declared)),
                MailParameters.BodyType.SEVEN_BIT);
        assertEquals(expected, answer(new DeclaredSizeCheck(max).atMail(session(false, null), ReversePath.NULL, p)));
    }

    private static final StaticDns DNS = new StaticDns()
            .mx("mx.test", 10, "mx.mx.test")
            .mxStatus("aonly.test", DnsAnswer.Status.NO_RECORDS).a("aonly.test", "192.0.2.1")
            .mxStatus("nothing.test", DnsAnswer.Status.NO_RECORDS).aStatus("nothing.test", DnsAnswer.Status.NO_RECORDS)
            .mxStatus("flaky.test", DnsAnswer.Status.TEMP_FAILURE)
            .mxStatus("flakya.test", DnsAnswer.Status.NO_RECORDS).aStatus("flakya.test", DnsAnswer.Status.TEMP_FAILURE)
            .mx("nullmx.test", 0, "");

    @ParameterizedTest(name = "{0} trusted={1} auth={2} enabled={3} -> {4}")
    @CsvSource({
        "a@mx.test,          false, false, true,  accept",
        "a@aonly.test,       false, false, true,  accept",
        "a@nothing.test,     false, false, true,  553 5.1.8",
        "a@nowhere.test,     false, false, true,  553 5.1.8",
        "a@NoWhere.Test.,    false, false, true,  553 5.1.8",
        "a@flaky.test,       false, false, true,  451 4.1.8",
        "a@flakya.test,      false, false, true,  451 4.1.8",
        "a@nullmx.test,      false, false, true,  550 5.7.27",
        "a@nowhere.test,     true,  false, true,  accept",
        "a@nowhere.test,     false, true,  true,  accept",
        "a@nowhere.test,     false, false, false, accept",
        "a@local.test,       false, false, true,  accept",
        "a@[192.0.2.1],      false, false, true,  accept",
        "'',                 false, false, true,  accept",
    })
    void senderDomain(String from, boolean trusted, boolean auth, boolean enabled, String expected) {
        SenderDomainCheck check = new SenderDomainCheck(DNS, d -> d.equals("local.test"), enabled);
        CheckResult r = check.atMail(session(trusted, auth ? "u@local.test" : null), sender(from), MailParameters.NONE);
        assertEquals(expected, answer(r));
    }

    @Test
    void senderDomainReplyNamesTheSender() {
        CheckResult r = new SenderDomainCheck(DNS, d -> false, true).atMail(session(false, null), sender("a@nowhere.test"), MailParameters.NONE);
        assertEquals("553 5.1.8 <a@nowhere.test>: Sender address rejected: Domain not found\r\n", r.reply().toWire());
    }

    @ParameterizedTest(name = "user={0} MAIL FROM:<{1}> -> {2}")
    @CsvSource({
        "'',                 bob@example.test,   accept",     // no AUTH: judged by recipient, not here
        "alice@example.test, alice@example.test, accept",
        "alice@example.test, ALICE@Example.Test, accept",
        "alice@example.test, '',                 accept",     // the null sender stays allowed
        "alice@example.test, ali@example.test,   accept",     // an alias that delivers to her
        "alice@example.test, both@example.test,  accept",     // a list she is on
        "alice@example.test, bob@example.test,   553 5.7.1",
        "alice@example.test, alice@far.test,     553 5.7.1",
        "alice@example.test, nobody@example.test, 553 5.7.1",
    })
    void senderOwnership(String user, String from, String expected) {
        CheckResult r = new SenderOwnershipCheck(temp.store().directory())
                .atMail(session(false, user.isEmpty() ? null : user), sender(from), MailParameters.NONE);
        assertEquals(expected, answer(r));
    }

    private static Recipient placed(Recipient.Placement placement) {
        ForwardPath path = new ForwardPath(MailAddress.parse("x@somewhere.test"));
        AcceptedRecipient fate = switch (placement) {
            case LOCAL -> new AcceptedRecipient(path, List.of(1L), List.of());
            case REMOTE -> new AcceptedRecipient(path, List.of(), List.of("x@somewhere.test"));
            default -> null;
        };
        return new Recipient(path, new RecipientResolver.Fate(placement, fate));
    }

    @ParameterizedTest(name = "{0} trusted={1} auth={2} -> {3}")
    @CsvSource({
        "LOCAL,         false, false, accept",
        "LOCAL,         true,  false, accept",
        "LOCAL,         false, true,  accept",
        "UNKNOWN,       false, false, accept",     // whether it exists is RecipientExistsCheck's business
        "REMOTE,        false, false, 554 5.7.1",
        "REMOTE,        true,  false, accept",
        "REMOTE,        false, true,  accept",
        "REMOTE,        true,  true,  accept",
    })
    void relay(Recipient.Placement placement, boolean trusted, boolean auth, String expected) {
        CheckResult r = new RelayCheck().atRcpt(session(trusted, auth ? "alice@example.test" : null), new Transaction(), placed(placement));
        assertEquals(expected, answer(r));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "LOCAL,         accept",
        "REMOTE,        accept",
        "UNKNOWN,       550 5.1.1",
        "NO_POSTMASTER, 451 4.3.0",
    })
    void recipientExists(Recipient.Placement placement, String expected) {
        assertEquals(expected, answer(new RecipientExistsCheck().atRcpt(session(false, null), new Transaction(), placed(placement))));
    }

    /** Streams {@code message} (CRLF lines, no terminator) through a receiver with this one check. */
    private static CheckResult scan(DataCheck check, String message) {
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        MessageScan scan = check.open(session(false, null), new Transaction());
        MessageReceiver receiver = new MessageReceiver(stored, true, false, List.of(scan));
        for (io.mailserver.session.Line line : Dialog.split((message + ".\r\n").getBytes(StandardCharsets.UTF_8), 8192)) {
            if (receiver.accept(line)) {
                return receiver.finish();
            }
        }
        throw new AssertionError("no terminator");
    }

    @ParameterizedTest(name = "{0} octets, max {1} -> {2}")
    @CsvSource({
        "10, 12, accept",      // "xxxxxxxxxx" CRLF: 12 octets
        "10, 11, 552 5.3.4",
        "0,  2,  accept",
        "0,  1,  552 5.3.4",
    })
    void messageSize(int bodyLength, long max, String expected) {
        assertEquals(expected, answer(scan(new MessageSizeCheck(max), "x".repeat(bodyLength) + "\r\n")));
    }

    @Test
    void messageSizeCountsHeaderAndSeparator() {
        String message = "Subject: s\r\n\r\nbody\r\n"; // 12 + 2 + 6
        assertEquals("accept", answer(scan(new MessageSizeCheck(20), message)));
        assertEquals("552 5.3.4", answer(scan(new MessageSizeCheck(19), message)));
    }

    @ParameterizedTest(name = "{0} x ''{1}'', max {2} -> {3}")
    @CsvSource({
        "3, 'Received: from a',   3, accept",
        "4, 'Received: from a',   3, 554 5.4.6",
        "4, 'received : from a',  3, 554 5.4.6",
        "4, 'X-Received: from a', 3, accept",
        "0, '',                   0, accept",
    })
    void loop(int count, String field, int max, String expected) {
        String message = (field + "\r\n").repeat(count) + "Subject: s\r\n\r\n" + "Received: in the body\r\n".repeat(count);
        assertEquals(expected, answer(scan(new LoopCheck(max), message)));
    }

    @ParameterizedTest(name = "/{0}/ -> {2}")
    @CsvSource(delimiter = '|', value = {
        "viagra       | Subject: hi\\r\\n\\r\\nbuy VIAGRA now\\r\\n               | accept",
        "(?i)viagra   | Subject: hi\\r\\n\\r\\nbuy VIAGRA now\\r\\n               | 554 5.7.1",
        "^Subject: a b$ | Subject: a\\r\\n b\\r\\n\\r\\nbody\\r\\n                  | 554 5.7.1",
        "caf\u00e9    | Subject: caf\u00e9\\r\\n\\r\\nbody\\r\\n                    | 554 5.7.1",
        "^body$       | Subject: body\\r\\n\\r\\nnot the body line\\r\\n          | accept",
    })
    void contentPatterns(String pattern, String message, String expected) {
        String m = message.strip().replace("\\r\\n", "\r\n");
        assertEquals(expected, answer(scan(new ContentPatternCheck(List.of(Pattern.compile(pattern.strip()))), m)));
    }

    @Test
    void aRefusalWhileStreamingStopsStoringAndTheFirstOneDecides() {
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        SmtpSession s = session(false, null);
        MessageReceiver receiver = new MessageReceiver(stored, true, false,
                List.of(new LoopCheck(0).open(s, null), new ContentPatternCheck(List.of(Pattern.compile("x"))).open(s, null)));
        for (io.mailserver.session.Line line : Dialog.split("Received: x\r\nSubject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8), 8192)) {
            assertFalse(receiver.accept(line));
        }
        assertEquals("554 5.4.6", answer(receiver.finish()));
        assertEquals(0, stored.size());
    }

    @Test
    void aScanMayLeaveWholeHeaderFieldsOutOfTheStoredMessage() {
        MessageScan dropForged = new MessageScan() {
            @Override
            public boolean keep(HeaderField field) {
                return !(field.nameIs("Authentication-Results") && field.unfolded().contains("mx.example.test;"));
            }
        };
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        MessageReceiver receiver = new MessageReceiver(stored, true, false, List.of(dropForged));
        String message = "Authentication-Results: mx.example.test;\r\n spf=pass\r\nAuthentication-Results: other.test; spf=fail\r\n"
                + "Subject: s\r\n\r\nAuthentication-Results: mx.example.test; in the body\r\n.\r\n";
        for (io.mailserver.session.Line line : Dialog.split(message.getBytes(StandardCharsets.UTF_8), 8192)) {
            receiver.accept(line);
        }
        assertTrue(receiver.finish().accepted());
        assertEquals("Authentication-Results: other.test; spf=fail\r\nSubject: s\r\n\r\nAuthentication-Results: mx.example.test; in the body\r\n",
                stored.toString(StandardCharsets.UTF_8));
    }

    @Test
    void acceptingScansAddTheirHeaderFieldsInListOrder() {
        DataCheck first = (session, tx) -> new MessageScan() {
            @Override
            public CheckResult end() {
                return CheckResult.acceptWithHeader("X-First: 1");
            }
        };
        DataCheck second = (session, tx) -> new MessageScan() {
            @Override
            public CheckResult end() {
                return CheckResult.acceptWithHeader("X-Second: 2");
            }
        };
        MessageReceiver receiver = new MessageReceiver(new ByteArrayOutputStream(), true, false,
                List.of(first.open(null, null), second.open(null, null)));
        assertTrue(receiver.accept(new io.mailserver.session.Line(".".getBytes(StandardCharsets.US_ASCII), io.mailserver.session.Line.Ending.CRLF, false)));
        assertTrue(receiver.finish().accepted());
        assertEquals(List.of("X-First: 1", "X-Second: 2"), receiver.headersToAdd());
    }
}
