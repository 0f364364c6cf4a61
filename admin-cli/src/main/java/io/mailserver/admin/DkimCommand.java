package io.mailserver.admin;

import io.mailserver.store.DkimKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code mailctl dkim generate|list|dns|rotate|retire}: the DKIM keys outgoing mail is signed with.
 * Private keys stay in the store; nothing here prints one.
 */
@Command(name = "dkim", synopsisSubcommandLabel = "ACTION",
        description = "Make, list, publish, rotate and retire the DKIM keys outgoing mail is signed with.")
public final class DkimCommand extends EntityCommand {

    @Command(name = "generate", description = {
            "Make new active key(s) for a local domain: it signs with them at once, so publish the record first",
            "(mailctl dkim dns DOMAIN) or use rotate. Default: one RSA-2048 and one Ed25519 key."})
    void generate(@Parameters(paramLabel = "DOMAIN") String name,
                  @Option(names = "--selector", paramLabel = "S", description = "Selector (default: month and algorithm, e.g. 202612r; with both algorithms r and e are appended).") String selector,
                  @Option(names = "--algorithm", paramLabel = "rsa|ed25519|both", defaultValue = "both", description = "Key type(s) (default: both).") String algorithm) {
        String domain = localDomain(name);
        List<DkimKey> added = store().dkimKeys().add(domain, DkimKeyMaker.make(DkimKeyMaker.algorithms(algorithm), checkedSelector(selector), selectors(domain), Instant.now()));
        for (DkimKey k : added) {
            out().println("added DKIM key " + k.selector() + " (" + k.algorithm() + ") for " + domain + ": publish " + k.selector() + "._domainkey." + domain + " TXT");
        }
    }

    @Command(name = "rotate", description = {
            "Make new key(s) and sign with them only; the old active keys stay published (rotated) so mail",
            "they signed still verifies. Retire them (mailctl dkim retire) once that mail is delivered, e.g. after a week."})
    void rotate(@Parameters(paramLabel = "DOMAIN") String name,
                @Option(names = "--algorithm", paramLabel = "rsa|ed25519|both", defaultValue = "both", description = "Key type(s) (default: both).") String algorithm) {
        String domain = localDomain(name);
        List<String> before = store().dkimKeys().list(domain).stream().filter(k -> k.state() == DkimKey.State.ACTIVE).map(DkimKey::selector).toList();
        List<DkimKey> added = store().dkimKeys().rotate(domain, DkimKeyMaker.make(DkimKeyMaker.algorithms(algorithm), null, selectors(domain), Instant.now()));
        for (DkimKey k : added) {
            out().println("added DKIM key " + k.selector() + " (" + k.algorithm() + ") for " + domain + ", now signing");
        }
        if (!before.isEmpty()) {
            out().println("rotated " + String.join(", ", before) + ": no longer signing, still to be published until retired");
        }
    }

    @Command(name = "retire", description = "Stop using a key altogether: it no longer signs, and its DNS record may be removed.")
    void retire(@Parameters(paramLabel = "DOMAIN") String name, @Parameters(paramLabel = "SELECTOR") String selector) {
        String domain = localDomain(name);
        DkimKey k = store().dkimKeys().retire(domain, selector);
        out().println("retired DKIM key " + k.selector() + " of " + domain + ": remove " + k.selector() + "._domainkey." + domain + " TXT from DNS");
    }

    @Command(name = "list", description = "List DKIM keys (never the private keys).")
    void list(@Parameters(paramLabel = "DOMAIN", arity = "0..1") String name,
              @Option(names = "--json", description = "One line of JSON: [{domain, selector, algorithm, state, dns_name, record, created, changed}].") boolean json) {
        List<DkimKey> keys = name == null ? store().dkimKeys().list() : store().dkimKeys().list(localDomain(name));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (DkimKey k : keys) {
            Map<String, Object> row = Json.object();
            row.put("domain", k.domain());
            row.put("selector", k.selector());
            row.put("algorithm", k.algorithm());
            row.put("state", k.state().label());
            row.put("dns_name", k.selector() + "._domainkey." + k.domain());
            row.put("record", DkimKeyMaker.record(k));
            row.put("created", k.createdAt());
            row.put("changed", k.changedAt());
            rows.add(row);
        }
        if (json) {
            printJson(rows);
            return;
        }
        if (rows.isEmpty()) {
            out().println("no DKIM keys (make some with: mailctl dkim generate DOMAIN)");
            return;
        }
        Table table = new Table("DOMAIN", "SELECTOR", "ALGORITHM", "STATE", "CREATED");
        for (DkimKey k : keys) {
            table.row(k.domain(), k.selector(), k.algorithm(), k.state().label(), Formats.instant(k.createdAt()));
        }
        table.print(out());
    }

    @Command(name = "dns", description = "Print the TXT records of the domain's published keys (active and rotated), as zone-file lines.")
    void dns(@Parameters(paramLabel = "DOMAIN") String name,
             @Option(names = "--json", description = "One line of JSON: [{name, type, value, strings, purpose}].") boolean json) {
        String domain = localDomain(name);
        List<DnsRecord> records = records(store().dkimKeys().list(domain));
        if (json) {
            printJson(records.stream().map(DnsRecord::json).toList());
            return;
        }
        if (records.isEmpty()) {
            out().println("; " + domain + " has no published DKIM key (make some with: mailctl dkim generate " + domain + ")");
        }
        records.forEach(r -> out().println(r.zoneLine()));
    }

    /** The TXT records of the published keys. */
    static List<DnsRecord> records(List<DkimKey> keys) {
        List<DnsRecord> out = new ArrayList<>();
        for (DkimKey k : keys) {
            if (k.state().published()) {
                out.add(new DnsRecord(k.selector() + "._domainkey." + k.domain() + ".", "TXT", DkimKeyMaker.record(k),
                        "DKIM " + k.algorithm() + " key, " + k.state().label()));
            }
        }
        return out;
    }

    private String localDomain(String name) {
        String domain = Inputs.domain(name);
        if (store().domains().find(domain).isEmpty()) {
            throw CliException.notFound(domain + " is not a local domain (add it with: mailctl domain add " + domain + ")");
        }
        return domain;
    }

    private List<String> selectors(String domain) {
        return store().dkimKeys().list(domain).stream().map(DkimKey::selector).toList();
    }

    private static String checkedSelector(String selector) {
        if (selector != null && !selector.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
            throw CliException.usage("malformed selector \"" + Table.clean(selector) + "\": lower-case letters, digits, hyphens and dots");
        }
        return selector;
    }
}
