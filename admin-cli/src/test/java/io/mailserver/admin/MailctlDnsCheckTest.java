package io.mailserver.admin;

import static io.mailserver.admin.MailctlScenarioTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * mailctl dns check against a real DNS server on loopback: the zone lines that dns records prints, loaded
 * as they are, check out right; a missing, a wrong and an unanswered record each say so, with exit code 6.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MailctlDnsCheckTest {
    private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    @TempDir
    Path dir;

    @Test
    void theRecordsDnsRecordsPrintsCheckOutAndFaultsAreNamed() throws Exception {
        try (LoopbackDnsServer dns = new LoopbackDnsServer()) {
            CliRun cli = new CliRun(dir).cheapHashing();
            cli.env.put("MAILSERVER_SERVER_HOSTNAME", "mail.example.test");
            cli.env.put("MAILSERVER_DNS_RESOLVER", "127.0.0.1:" + dns.address().port());
            ok(cli.run("domain", "add", "example.test"));
            for (String line : ok(cli.run("dns", "records", "example.test")).outLines()) {
                if (!line.startsWith(";")) {
                    load(dns, line);
                }
            }
            dns.a("mail.example.test", "192.0.2.25").ptr("192.0.2.25", "mail.example.test");

            CliRun.Result good = ok(cli.run("dns", "check", "example.test"));
            List<String> lines = good.outLines();
            assertEquals(12, lines.size(), good::toString);
            assertTrue(lines.stream().allMatch(l -> l.startsWith("right ")), good::toString);
            assertEquals("right   mail.example.test. A/AAAA+PTR", lines.get(11));

            // break three of them: SPF changed, DMARC gone, the PTR names someone else
            dns.remove("_dmarc.example.test").remove("example.test").remove("25.2.0.192.in-addr.arpa");
            dns.mx("example.test", 10, "mail.example.test").txt("example.test", "v=spf1 -all").txt("example.test", "google-site-verification=x");
            dns.ptr("192.0.2.25", "host-25.isp.test");
            CliRun.Result bad = cli.run("dns", "check", "example.test");
            assertEquals(ExitCode.CHECK_FAILED, bad.code(), bad::toString);
            String out = bad.out();
            assertTrue(out.contains("wrong   example.test. TXT: wanted v=spf1 mx -all; found v=spf1 -all | google-site-verification=x\n"), out);
            assertTrue(out.contains("missing _dmarc.example.test. TXT: wanted v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test; found nothing\n"), out);
            assertTrue(out.contains("wrong   mail.example.test. A/AAAA+PTR: wanted a PTR back to mail.example.test. for each address;"
                    + " found 192.0.2.25 PTR host-25.isp.test.\n"), out);
            assertTrue(out.contains("right   example.test. MX\n"), out);
            assertTrue(cli.run("dns", "check", "example.test", "--json").out().contains(
                    "{\"status\":\"missing\",\"name\":\"_dmarc.example.test.\",\"type\":\"TXT\""));

            // a resolver that does not answer is neither right nor missing
            dns.silent("_smtp._tls.example.test");
            String silent = cli.run("dns", "check", "example.test").out();
            assertTrue(silent.contains("failed  _smtp._tls.example.test. TXT: wanted v=TLSRPTv1; rua=mailto:postmaster@example.test; found lookup failed"), silent);
        }
    }

    /** One zone-file line as dns records prints it, into the loopback server. */
    private static void load(LoopbackDnsServer dns, String line) {
        String[] p = line.split(" ", 4);
        String name = p[0];
        String data = p[3];
        switch (p[2]) {
            case "MX" -> dns.mx(name, Integer.parseInt(data.split(" ")[0]), data.split(" ")[1]);
            case "SRV" -> {
                String[] s = data.split(" ");
                dns.srv(name, Integer.parseInt(s[0]), Integer.parseInt(s[1]), Integer.parseInt(s[2]), s[3]);
            }
            case "TXT" -> {
                List<String> strings = new ArrayList<>();
                Matcher m = QUOTED.matcher(data);
                while (m.find()) {
                    strings.add(m.group(1));
                }
                dns.txt(name, strings.toArray(String[]::new));
            }
            default -> throw new AssertionError("unexpected record type in: " + line);
        }
    }
}
