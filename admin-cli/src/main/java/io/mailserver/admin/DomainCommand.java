package io.mailserver.admin;

import io.mailserver.store.Alias;
import io.mailserver.store.DkimKey;
import io.mailserver.store.Domain;
import io.mailserver.store.User;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code mailctl domain add|list|remove}: the domains whose mail is delivered here. */
@Command(name = "domain", synopsisSubcommandLabel = "ACTION",
        description = "Add, list and remove the domains this server receives mail for.")
public final class DomainCommand extends EntityCommand {

    @Command(name = "add", description = {"Add a local domain (stored in lower case), with a first pair of DKIM keys",
            "(RSA-2048 and Ed25519) so its mail is signed from the first message: publish them (mailctl dns records DOMAIN)."})
    void add(@Parameters(paramLabel = "DOMAIN", description = "e.g. example.org") String name) {
        String domain = Inputs.domain(name);
        if (store().domains().find(domain).isPresent()) {
            throw CliException.conflict("domain " + domain + " exists already");
        }
        Domain added = store().domains().add(domain);
        out().println("added domain " + added.name());
        List<DkimKey> keys = store().dkimKeys().add(domain, DkimKeyMaker.make(DkimKeyMaker.algorithms("both"), null, List.of(), Instant.now()));
        out().println("added DKIM keys " + String.join(", ", keys.stream().map(k -> k.selector() + " (" + k.algorithm() + ")").toList())
                + ": publish the records of: mailctl dns records " + domain);
    }

    @Command(name = "list", description = "List the local domains with their number of users and aliases.")
    void list(@Option(names = "--json", description = "One line of JSON: [{name, users, aliases, created}].") boolean json) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Domain d : store().domains().list()) {
            Map<String, Object> row = Json.object();
            row.put("name", d.name());
            row.put("users", store().users().list(Optional.of(d.name())).size());
            row.put("aliases", store().aliases().list(Optional.of(d.name())).size());
            row.put("created", d.createdAt());
            rows.add(row);
        }
        if (json) {
            printJson(rows);
            return;
        }
        if (rows.isEmpty()) {
            out().println("no domains (add one with: mailctl domain add DOMAIN)");
            return;
        }
        Table table = new Table("DOMAIN", "USERS", "ALIASES", "CREATED");
        for (Map<String, Object> r : rows) {
            table.row(r.get("name"), r.get("users"), r.get("aliases"), Formats.instant((Instant) r.get("created")));
        }
        table.print(out());
    }

    @Command(name = "remove", description = {
            "Remove a local domain. Refused while it has users or aliases, unless --force:",
            "then its users (with their mailboxes and all their mail) and aliases are removed too."})
    void remove(@Parameters(paramLabel = "DOMAIN") String name,
                @Option(names = "--force", description = "Also remove the domain's users, their mail, and its aliases.") boolean force) {
        String domain = Inputs.domain(name);
        if (store().domains().find(domain).isEmpty()) {
            throw CliException.notFound("no domain " + domain);
        }
        List<User> users = store().users().list(Optional.of(domain));
        List<Alias> aliases = store().aliases().list(Optional.of(domain));
        String contents = Formats.count(users.size(), "user", "users") + " and " + Formats.count(aliases.size(), "alias", "aliases");
        if (!force && (!users.isEmpty() || !aliases.isEmpty())) {
            throw CliException.conflict("domain " + domain + " still has " + contents
                    + ": remove them first, or use --force to remove them with the domain (users' mail is deleted)");
        }
        long messages = 0;
        long bytes = 0;
        for (User u : users) {
            Mailbox m = mailbox(u.id());
            messages += m.messages();
            bytes += m.bytes();
        }
        Set<String> aliasesBefore = aliasAddresses();
        store().domains().remove(domain, force);
        if (users.isEmpty() && aliases.isEmpty()) {
            out().println("removed domain " + domain);
        } else {
            out().println("removed domain " + domain + " with its " + contents + "; the users' mailboxes were deleted ("
                    + new Mailbox(messages, bytes) + ")");
            // aliases of the domain itself were announced above; others may have lost their last target
            for (Alias a : aliases) {
                aliasesBefore.remove(a.address());
            }
            reportVanishedAliases(aliasesBefore);
        }
    }
}
