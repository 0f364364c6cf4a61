package io.mailserver.mta.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathParserTest {

    @ParameterizedTest(name = "MAIL {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "FROM:<alice@example.test>|alice@example.test",
        "from:<Alice@Example.TEST>|Alice@Example.TEST",
        "FROM: <alice@example.test>|alice@example.test",
        "FROM:<\"alice\"@example.test>|alice@example.test",
        "FROM:<\"a b\"@example.test>|\"a b\"@example.test",
        "FROM:<@relay.test,@other.test:alice@example.test>|alice@example.test",
        "FROM:<alice@[192.0.2.1]>|alice@[192.0.2.1]",
        "FROM:<alice@[IPv6:2001:db8::1]>|alice@[IPv6:2001:db8::1]",
        "FROM:<alice@example.test.>|alice@example.test.",
        "FROM:<user%other@example.test>|user%other@example.test",
        "FROM:<alice@example.test> AUTH=<>|alice@example.test",
        "FROM:<alice@example.test> AUTH=alice+2Bx@example.test|alice@example.test",
    })
    void acceptsReversePaths(String argument, String mailbox) throws Exception {
        assertEquals(mailbox, PathParser.parseMail(argument, true).path().envelopeAddress());
    }

    @Test
    void nullReversePath() throws Exception {
        assertTrue(PathParser.parseMail("FROM:<>", true).path().isNull());
        assertEquals("", PathParser.parseMail("FROM:<> SIZE=10", true).path().envelopeAddress());
    }

    @ParameterizedTest(name = "MAIL {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "FROM:alice@example.test|501 5.5.4",
        "FROM <alice@example.test>|501 5.5.4",
        "TO:<alice@example.test>|501 5.5.4",
        "FROM:<alice@example.test|501 5.5.4",
        "FROM:<alice@example.test>junk|501 5.5.4",
        "FROM:<alice@example.test >|501 5.1.7",
        "FROM:< alice@example.test>|501 5.1.7",
        "FROM:<alice>|501 5.1.7",
        "FROM:<alice@other@example.test>|501 5.1.7",
        "FROM:<alice@exa_mple.test>|501 5.1.7",
        "FROM:<alice@example..test>|501 5.1.7",
        "FROM:<.alice@example.test>|501 5.1.7",
        "FROM:<alice@[300.1.1.1]>|501 5.1.7",
        "FROM:<alice@[IPv6:1::2::3]>|501 5.1.7",
        "FROM:<alice@[IPv6:1:2:3:4:5:6:7:8:9]>|501 5.1.7",
        "FROM:<@relay.test alice@example.test>|501 5.1.7",
        "FROM:<a@b.test> SIZE=|501 5.5.4",
        "FROM:<a@b.test> SIZE=12x|501 5.5.4",
        "FROM:<a@b.test> SIZE=1 SIZE=2|501 5.5.4",
        "FROM:<a@b.test> BODY=BINARYMIME|555 5.5.4",
        "FROM:<a@b.test> SMTPUTF8|555 5.5.4",
        "FROM:<a@b.test> RET=HDRS|555 5.5.4",
        "FROM:<a@b.test> AUTH=a+zzb.test|501 5.5.4",
        "FROM:<a@b.test> AUTH=a+2|501 5.5.4",
        "FROM:<a@b.test> AUTH=a+2b|501 5.5.4",
    })
    void refusesBadReversePaths(String argument, String reply) {
        SyntaxException e = assertThrows(SyntaxException.class, () -> PathParser.parseMail(argument, true));
        assertEquals(reply, e.reply().code() + " " + e.reply().enhanced());
    }

    @Test
    void overlongPathIsRefused() {
        String local = "a".repeat(64);
        String domain = ("d".repeat(60) + ".").repeat(4) + "test";
        SyntaxException e = assertThrows(SyntaxException.class, () -> PathParser.parseRcpt("TO:<" + local + "@" + domain + ">", true));
        assertEquals(501, e.reply().code());
    }

    @Test
    void parametersNeedEhlo() {
        SyntaxException e = assertThrows(SyntaxException.class, () -> PathParser.parseMail("FROM:<a@b.test> SIZE=10", false));
        assertEquals(555, e.reply().code());
    }

    @Test
    void sizeAndBody() throws Exception {
        MailParameters p = PathParser.parseMail("FROM:<a@b.test> size=1000 body=8bitmime", true).parameters();
        assertEquals(OptionalLong.of(1000), p.declaredSize());
        assertEquals(MailParameters.BodyType.EIGHT_BIT_MIME, p.body());
        assertEquals(Long.MAX_VALUE, PathParser.parseMail("FROM:<a@b.test> SIZE=99999999999999999999", true)
                .parameters().declaredSize().getAsLong());
    }

    @ParameterizedTest(name = "RCPT {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "TO:<bob@example.test>|<bob@example.test>",
        "To:<Postmaster>|<postmaster>",
        "TO:<postmaster>|<postmaster>",
        "TO:<postmaster@example.test>|<postmaster@example.test>",
        "TO:<@a.test:bob@example.test>|<bob@example.test>",
        "TO:<\"bob\"@example.test>|<bob@example.test>",
        "TO:<\"user@other\"@example.test>|<\"user@other\"@example.test>",
    })
    void acceptsForwardPaths(String argument, String path) throws Exception {
        assertEquals(path, PathParser.parseRcpt(argument, true).toString());
    }

    @ParameterizedTest(name = "RCPT {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "TO:<>|501 5.1.3",
        "TO:<bob>|501 5.1.3",
        "TO:<bob@other.test@example.test>|501 5.1.3",
        "TO:<bob@other.test >|501 5.1.3",
        "FROM:<bob@example.test>|501 5.5.4",
        "TO:<bob@example.test> NOTIFY=NEVER|555 5.5.4",
    })
    void refusesBadForwardPaths(String argument, String reply) {
        SyntaxException e = assertThrows(SyntaxException.class, () -> PathParser.parseRcpt(argument, true));
        assertEquals(reply, e.reply().code() + " " + e.reply().enhanced());
    }

    @Test
    void quotedLocalPartMayHoldAngleBracket() throws Exception {
        assertEquals("\"a>b\"@example.test", PathParser.parseRcpt("TO:<\"a>b\"@example.test>", true).mailbox().toString());
    }
}
