package io.mailserver.admin;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.DkimKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** {@code mailctl dns records}: every DNS record a local domain needs to send and receive mail that is trusted. */
@Command(name = "dns", synopsisSubcommandLabel = "ACTION",
        description = "The DNS records a domain needs (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, client SRV records), and a check of them.")
public final class DnsCommand extends EntityCommand {
    /** RFC 8461 3.2: how long senders keep the policy; a day while the domain is new to MTA-STS. */
    static final long MTA_STS_MAX_AGE = 86_400;

    @Command(name = "records", description = {
            "Print the records as zone-file lines (append them to the domain's zone), or as JSON.",
            "The host name is server.hostname; SRV records give the standard ports clients expect."})
    void records(@Parameters(paramLabel = "DOMAIN") String name,
                 @Option(names = "--json", description = "One line of JSON: [{name, type, value, strings (TXT), purpose}].") boolean json) {
        String domain = Inputs.domain(name);
        if (store().domains().find(domain).isEmpty()) {
            throw CliException.notFound(domain + " is not a local domain (add it with: mailctl domain add " + domain + ")");
        }
        ServerConfig config = context().config();
        String host = config.hostname().toLowerCase(java.util.Locale.ROOT) + ".";
        List<DnsRecord> records = records(domain, host, config, store().dkimKeys().list(domain));
        if (json) {
            printJson(records.stream().map(DnsRecord::json).toList());
            return;
        }
        out().println("; DNS records for " + domain + " (mailctl dns records)");
        out().println("; " + host + " needs A/AAAA records of this server's public addresses, and each address a PTR back to " + host);
        for (DnsRecord r : records) {
            out().println(r.zoneLine());
        }
        out().println("; MTA-STS: serve this policy as https://mta-sts." + domain + "/.well-known/mta-sts.txt (a certificate for mta-sts." + domain
                + "), then change mode to enforce and the id= above:");
        for (String line : mtaStsPolicy(host).split("\r\n")) {
            out().println(";   " + line);
        }
    }

    @Command(name = "check", description = {
            "Look every record up through the configured resolver (dns.resolver) and say whether it is right,",
            "missing or wrong; also that each address of the host name has a PTR back to it.",
            "Exit code 0 when all are right, 6 otherwise."})
    int check(@Parameters(paramLabel = "DOMAIN") String name,
              @Option(names = "--json", description = "One line of JSON: [{status, name, type, wanted, found}].") boolean json) {
        String domain = Inputs.domain(name);
        if (store().domains().find(domain).isEmpty()) {
            throw CliException.notFound(domain + " is not a local domain (add it with: mailctl domain add " + domain + ")");
        }
        ServerConfig config = context().config();
        String host = config.hostname().toLowerCase(java.util.Locale.ROOT) + ".";
        DnsChecker checker = new DnsChecker(config.dnsResolver());
        List<DnsChecker.Check> checks = new ArrayList<>();
        for (DnsRecord r : records(domain, host, config, store().dkimKeys().list(domain))) {
            checks.add(checker.check(r));
        }
        checks.add(checker.fcrdns(host));
        if (json) {
            List<Object> rows = new ArrayList<>();
            for (DnsChecker.Check c : checks) {
                java.util.Map<String, Object> row = Json.object();
                row.put("status", c.status().name().toLowerCase(java.util.Locale.ROOT));
                row.put("name", c.name());
                row.put("type", c.type());
                row.put("wanted", c.wanted());
                row.put("found", c.found());
                rows.add(row);
            }
            printJson(rows);
        } else {
            for (DnsChecker.Check c : checks) {
                String line = String.format("%-7s %s %s", c.status().name().toLowerCase(java.util.Locale.ROOT), c.name(), c.type());
                if (c.status() != DnsChecker.Status.RIGHT) {
                    line += ": wanted " + c.wanted() + "; found " + (c.found().isEmpty() ? "nothing" : String.join(" | ", c.found()));
                }
                out().println(Table.clean(line));
            }
        }
        return checks.stream().allMatch(c -> c.status() == DnsChecker.Status.RIGHT) ? ExitCode.OK : ExitCode.CHECK_FAILED;
    }

    static List<DnsRecord> records(String domain, String host, ServerConfig config, List<DkimKey> keys) {
        String d = domain + ".";
        List<DnsRecord> out = new ArrayList<>();
        out.add(new DnsRecord(d, "MX", "10 " + host, "mail for " + domain + " is delivered to this server"));
        out.add(new DnsRecord(d, "TXT", "v=spf1 mx -all", "SPF (RFC 7208): only the domain's MX hosts send its mail"));
        out.addAll(DkimCommand.records(keys));
        out.add(new DnsRecord("_dmarc." + d, "TXT", "v=DMARC1; p=quarantine; rua=mailto:postmaster@" + domain,
                "DMARC (RFC 7489): unauthenticated mail claiming the domain goes to spam; reports to postmaster"));
        out.add(new DnsRecord("_mta-sts." + d, "TXT", "v=STSv1; id=" + mtaStsId(host),
                "MTA-STS (RFC 8461): senders must use TLS to the MX; the policy file is served over HTTPS"));
        out.add(new DnsRecord("_smtp._tls." + d, "TXT", "v=TLSRPTv1; rua=mailto:postmaster@" + domain,
                "TLS-RPT (RFC 8460): senders report TLS failures to postmaster"));
        out.add(srv("_submissions._tcp." + d, config.smtpsListen().isPresent(), 465, host, "mail clients: submission over TLS (RFC 6186, RFC 8314)"));
        out.add(srv("_submission._tcp." + d, config.submissionListen().isPresent(), 587, host, "mail clients: submission with STARTTLS (RFC 6186)"));
        out.add(srv("_pop3s._tcp." + d, config.pop3sListen().isPresent(), 995, host, "mail clients: POP3 over TLS (RFC 6186, RFC 8314)"));
        out.add(srv("_pop3._tcp." + d, config.pop3Listen().isPresent(), 110, host, "mail clients: POP3 with STLS (RFC 6186)"));
        return out;
    }

    /** RFC 6186 3.4: a listener that is off is published as "0 0 0 ." (service not provided). */
    private static DnsRecord srv(String name, boolean on, int port, String host, String purpose) {
        return on ? new DnsRecord(name, "SRV", "0 1 " + port + " " + host, purpose)
                : new DnsRecord(name, "SRV", "0 0 0 .", purpose + ": not offered (listener off)");
    }

    static String mtaStsPolicy(String host) {
        String mx = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        return "version: STSv1\r\nmode: testing\r\nmx: " + mx + "\r\nmax_age: " + MTA_STS_MAX_AGE + "\r\n";
    }

    /** RFC 8461 3.1: the id changes whenever the policy does; here it is derived from the policy itself. */
    static String mtaStsId(String host) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(mtaStsPolicy(host).getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(h, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
