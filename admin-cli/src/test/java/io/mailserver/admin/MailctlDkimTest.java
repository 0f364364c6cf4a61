package io.mailserver.admin;

import static io.mailserver.admin.MailctlScenarioTest.assertMatches;
import static io.mailserver.admin.MailctlScenarioTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.mailauth.dkim.DkimAlgorithm;
import io.mailserver.mailauth.dkim.DkimKeys;
import io.mailserver.mailauth.dkim.DkimResult;
import io.mailserver.mailauth.dkim.DkimSigner;
import io.mailserver.mailauth.dkim.DkimVerifier;
import io.mailserver.mailauth.dns.TxtAnswer;
import io.mailserver.store.DkimKey;
import io.mailserver.store.MailStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** mailctl dkim and dns records: keys made, published, rotated and retired; private keys never printed. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MailctlDkimTest {
    private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    @TempDir
    Path dir;

    private CliRun cli() {
        CliRun cli = new CliRun(dir).cheapHashing();
        cli.env.put("MAILSERVER_SERVER_HOSTNAME", "mail.example.test");
        return cli;
    }

    @Test
    void domainAddMakesAKeyPairThatListAndDnsShowWithoutPrivateKeys() {
        CliRun cli = cli();
        ok(cli.run("domain", "add", "example.test"));
        List<String> list = ok(cli.run("dkim", "list")).outLines();
        assertEquals("DOMAIN        SELECTOR  ALGORITHM  STATE   CREATED", list.get(0));
        assertTrue(list.get(1).matches("example\\.test  \\d{6}r   rsa        active  " + MailctlScenarioTest.TIME), list.get(1));
        assertTrue(list.get(2).matches("example\\.test  \\d{6}e   ed25519    active  " + MailctlScenarioTest.TIME), list.get(2));

        List<String> dns = ok(cli.run("dkim", "dns", "example.test")).outLines();
        assertEquals(2, dns.size());
        String rsaLine = dns.get(0);
        assertTrue(rsaLine.matches("\\d{6}r\\._domainkey\\.example\\.test\\. IN TXT \"v=DKIM1; k=rsa; p=.*\" \".*\""), rsaLine);
        List<String> strings = quoted(rsaLine);
        assertEquals(2, strings.size(), "an RSA-2048 record needs two strings");
        assertTrue(strings.stream().allMatch(s -> s.length() <= 255));
        assertTrue(dns.get(1).matches("\\d{6}e\\._domainkey\\.example\\.test\\. IN TXT \"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\""), dns.get(1));

        // the published key is the stored key's public half
        try (MailStore store = cli.openStore()) {
            List<DkimKey.Signing> signing = store.dkimKeys().signingKeys("example.test");
            assertEquals(2, signing.size());
            String all = cli.run("dkim", "list", "--json").out() + String.join("\n", list) + String.join("\n", dns)
                    + cli.run("dns", "records", "example.test").out() + cli.run("dns", "records", "example.test", "--json").out();
            for (DkimKey.Signing s : signing) {
                String privateB64 = Base64.getEncoder().encodeToString(s.privateKeyPkcs8());
                assertFalse(all.contains(privateB64.substring(0, 40)), "a private key was printed");
                DkimAlgorithm a = DkimAlgorithm.ofKeyType(s.key().algorithm()).orElseThrow();
                assertEquals(DkimKeys.keyRecord(a, s.key().publicKey()), String.join("", quoted(a == DkimAlgorithm.RSA_SHA256 ? rsaLine : dns.get(1))));
                assertKeysBelongTogether(a, s);
            }
        }
        assertMatches("\\[\\{\"domain\":\"example.test\",\"selector\":\"\\d{6}r\",\"algorithm\":\"rsa\",\"state\":\"active\","
                + "\"dns_name\":\"\\d{6}r._domainkey.example.test\",\"record\":\"v=DKIM1; k=rsa; p=[^\"]+\",\"created\":\"[^\"]+\",\"changed\":\"[^\"]+\"},.*]\n",
                ok(cli.run("dkim", "list", "--json")).out());
    }

    @Test
    void rotateKeepsOldKeysPublishedUntilRetired() {
        CliRun cli = cli();
        ok(cli.run("domain", "add", "example.test"));
        List<String> rotated = ok(cli.run("dkim", "rotate", "example.test")).outLines();
        assertTrue(rotated.get(0).matches("added DKIM key \\d{6}r2 \\(rsa\\) for example\\.test, now signing"), rotated.toString());
        assertTrue(rotated.get(2).matches("rotated \\d{6}r, \\d{6}e: no longer signing, still to be published until retired"), rotated.toString());
        assertEquals(4, ok(cli.run("dkim", "dns", "example.test")).outLines().size());
        String oldRsa = rotated.get(2).substring("rotated ".length(), "rotated ".length() + 7);
        ok(cli.run("dkim", "retire", "example.test", oldRsa));
        List<String> dns = ok(cli.run("dkim", "dns", "example.test")).outLines();
        assertEquals(3, dns.size());
        assertTrue(dns.stream().noneMatch(l -> l.startsWith(oldRsa + "._domainkey")));
        try (MailStore store = cli.openStore()) {
            assertEquals(List.of(oldRsa.substring(0, 6) + "r2", oldRsa.substring(0, 6) + "e2"),
                    store.dkimKeys().signingKeys("example.test").stream().map(s -> s.key().selector()).toList());
        }

        ok(cli.run("dkim", "generate", "example.test", "--selector", "extra", "--algorithm", "ed25519"));
        assertTrue(ok(cli.run("dkim", "list", "example.test")).out().contains("example.test  extra "));
        assertEquals(ExitCode.CONFLICT, cli.run("dkim", "generate", "example.test", "--selector", "extra", "--algorithm", "ed25519").code());
        assertEquals(ExitCode.NOT_FOUND, cli.run("dkim", "generate", "other.test").code());
        assertEquals(ExitCode.NOT_FOUND, cli.run("dkim", "retire", "example.test", "nosuch").code());
        assertEquals(ExitCode.USAGE, cli.run("dkim", "generate", "example.test", "--algorithm", "dsa").code());
        assertEquals(ExitCode.USAGE, cli.run("dkim", "generate", "example.test", "--selector", "Bad_One").code());
    }

    @Test
    void dnsRecordsListsEveryRecordTheDomainNeeds() {
        CliRun cli = cli();
        cli.env.put("MAILSERVER_POP3_LISTEN", "");
        ok(cli.run("domain", "add", "example.test"));
        List<String> lines = new ArrayList<>();
        for (String l : ok(cli.run("dns", "records", "example.test")).outLines()) {
            if (!l.startsWith(";")) {
                lines.add(l);
            }
        }
        assertEquals("example.test. IN MX 10 mail.example.test.", lines.get(0));
        assertEquals("example.test. IN TXT \"v=spf1 mx -all\"", lines.get(1));
        assertTrue(lines.get(2).matches("\\d{6}r\\._domainkey\\.example\\.test\\. IN TXT \"v=DKIM1; k=rsa; .*"), lines.get(2));
        assertTrue(lines.get(3).matches("\\d{6}e\\._domainkey\\.example\\.test\\. IN TXT \"v=DKIM1; k=ed25519; .*"), lines.get(3));
        assertEquals("_dmarc.example.test. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test\"", lines.get(4));
        assertTrue(lines.get(5).matches("_mta-sts\\.example\\.test\\. IN TXT \"v=STSv1; id=[0-9a-f]{20}\""), lines.get(5));
        assertEquals("_smtp._tls.example.test. IN TXT \"v=TLSRPTv1; rua=mailto:postmaster@example.test\"", lines.get(6));
        assertEquals("_submissions._tcp.example.test. IN SRV 0 1 465 mail.example.test.", lines.get(7));
        assertEquals("_submission._tcp.example.test. IN SRV 0 1 587 mail.example.test.", lines.get(8));
        assertEquals("_pop3s._tcp.example.test. IN SRV 0 1 995 mail.example.test.", lines.get(9));
        assertEquals("_pop3._tcp.example.test. IN SRV 0 0 0 .", lines.get(10), "POP3 without TLS is off here");
        assertEquals(11, lines.size());

        String json = ok(cli.run("dns", "records", "example.test", "--json")).out();
        assertTrue(json.startsWith("[{\"name\":\"example.test.\",\"type\":\"MX\",\"value\":\"10 mail.example.test.\",\"purpose\":"), json);
        assertTrue(json.contains("{\"name\":\"example.test.\",\"type\":\"TXT\",\"value\":\"v=spf1 mx -all\",\"strings\":[\"v=spf1 mx -all\"],"), json);
        assertEquals(ExitCode.NOT_FOUND, cli.run("dns", "records", "other.test").code());
    }

    private static List<String> quoted(String line) {
        List<String> out = new ArrayList<>();
        Matcher m = QUOTED.matcher(line);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** The stored public key is the private key's other half: a signature made with one verifies with the other. */
    private static void assertKeysBelongTogether(DkimAlgorithm a, DkimKey.Signing s) {
        String message = "From: a@example.test\r\n\r\nx\r\n";
        String record = DkimKeys.keyRecord(a, s.key().publicKey());
        try {
            List<String> fields = new DkimSigner(Clock.systemUTC()).sign(
                    List.of(new DkimSigner.Key("example.test", "s", a, DkimKeys.privateKey(a, s.privateKeyPkcs8()))),
                    new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII)));
            List<DkimResult> results = new DkimVerifier(name -> TxtAnswer.found(List.of(record), name), Clock.systemUTC())
                    .verify(new ByteArrayInputStream((fields.get(0) + message).getBytes(StandardCharsets.US_ASCII)));
            assertEquals(DkimResult.Result.PASS, results.get(0).result(), results.get(0).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
