package io.mailserver.admin;

import io.mailserver.store.Alias;
import io.mailserver.store.MailAddress;
import io.mailserver.store.Resolution;
import io.mailserver.store.User;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code mailctl alias ...}: addresses that forward to one or many targets (a mailing list). */
@Command(name = "alias", synopsisSubcommandLabel = "ACTION",
        description = "Add, list, show and remove aliases. Targets are local users, other aliases or external addresses.")
public final class AliasCommand extends EntityCommand {

    @Command(name = "add", description = {
            "Create an alias, or add targets to an existing one.",
            "A target in a local domain must be a user or an alias; a loop is refused."})
    void add(@Parameters(index = "0", paramLabel = "ALIAS", description = "e.g. team@example.org; the domain must be local") String aliasText,
             @Parameters(index = "1..*", arity = "1..*", paramLabel = "TARGET", description = "Where its mail goes.") List<String> targetTexts) {
        MailAddress alias = Inputs.localAddress(aliasText, "alias");
        List<MailAddress> targets = Inputs.addresses(targetTexts, "target");
        requireLocalDomain(alias);
        if (store().users().find(alias).isPresent()) {
            throw CliException.conflict(alias.key() + " is a user; an address is either a user or an alias");
        }
        for (MailAddress target : targets) {
            if (target.key().equals(alias.key())) {
                throw CliException.conflict("alias loop: " + alias.key() + " cannot be its own target");
            }
            // a local target that does not exist would bounce every message sent to the alias
            if (store().directory().resolve(target).kind() == Resolution.Kind.UNKNOWN_LOCAL) {
                throw CliException.notFound("target " + target.key() + " is in a local domain but is neither a user nor an alias");
            }
        }
        boolean existed = store().aliases().find(alias).isPresent();
        Alias result = store().aliases().add(alias, targets);
        out().println((existed ? "updated alias " : "added alias ") + result.address() + " -> " + String.join(", ", result.targets()));
    }

    @Command(name = "list", description = "List aliases and their targets, all or those of one domain.")
    void list(@Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "Only this domain's aliases.") String domainText,
              @Option(names = "--json", description = "One line of JSON: [{address, targets}].") boolean json) {
        Optional<String> domain = Optional.ofNullable(domainText).map(Inputs::domain);
        domain.ifPresent(d -> {
            if (store().domains().find(d).isEmpty()) {
                throw CliException.notFound(d + " is not a local domain");
            }
        });
        List<Alias> aliases = store().aliases().list(domain);
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Alias a : aliases) {
                rows.add(summary(a));
            }
            printJson(rows);
            return;
        }
        if (aliases.isEmpty()) {
            out().println("no aliases" + domain.map(d -> " in " + d).orElse(""));
            return;
        }
        Table table = new Table("ALIAS", "TARGETS");
        for (Alias a : aliases) {
            table.row(a.address(), String.join(", ", a.targets()));
        }
        table.print(out());
    }

    @Command(name = "show", description = "Show an alias: its targets and, aliases expanded, who finally receives its mail.")
    void show(@Parameters(paramLabel = "ALIAS") String text,
              @Option(names = "--json", description = "One line of JSON: {address, targets, local_recipients, remote_recipients}.") boolean json) {
        MailAddress address = Inputs.address(text, "alias");
        Alias alias = requireAlias(address);
        Resolution resolution = store().directory().resolve(address);
        List<String> local = new ArrayList<>();
        for (User u : resolution.localUsers()) {
            local.add(u.address());
        }
        List<String> remote = resolution.remoteAddresses();
        if (json) {
            Map<String, Object> o = summary(alias);
            o.put("local_recipients", local);
            o.put("remote_recipients", remote);
            printJson(o);
            return;
        }
        List<String[]> pairs = new ArrayList<>();
        pairs.add(new String[] {"Alias", alias.address()});
        pairs.add(new String[] {"Targets", String.join(", ", alias.targets())});
        pairs.add(new String[] {"Local recipients", local.isEmpty() ? "(none)" : String.join(", ", local)});
        pairs.add(new String[] {"Remote recipients", remote.isEmpty() ? "(none)" : String.join(", ", remote)});
        Table.printRecord(out(), pairs);
    }

    @Command(name = "remove", description = {
            "Remove targets from an alias, or the whole alias when no target is given.",
            "An alias whose last target is removed is removed too."})
    void remove(@Parameters(index = "0", paramLabel = "ALIAS") String aliasText,
                @Parameters(index = "1..*", arity = "0..*", paramLabel = "TARGET", description = "Targets to take out.") List<String> targetTexts) {
        MailAddress address = Inputs.address(aliasText, "alias");
        List<MailAddress> targets = Inputs.addresses(targetTexts == null ? List.of() : targetTexts, "target");
        Alias alias = requireAlias(address);
        for (MailAddress target : targets) {
            if (alias.targets().stream().noneMatch(t -> sameAddress(t, target))) {
                throw CliException.notFound(target.key() + " is not a target of alias " + alias.address());
            }
        }
        store().aliases().remove(address, targets);
        Optional<Alias> left = store().aliases().find(address);
        if (left.isEmpty()) {
            out().println("removed alias " + alias.address());
        } else {
            List<String> removed = new ArrayList<>();
            targets.forEach(t -> removed.add(t.key()));
            out().println("removed " + String.join(", ", removed) + " from alias " + alias.address()
                    + "; it still goes to " + String.join(", ", left.get().targets()));
        }
    }

    private Alias requireAlias(MailAddress address) {
        return store().aliases().find(address).orElseThrow(() -> CliException.notFound("no alias " + address.key()));
    }

    private static Map<String, Object> summary(Alias a) {
        Map<String, Object> o = Json.object();
        o.put("address", a.address());
        o.put("targets", a.targets());
        return o;
    }

    /** Whether a stored target names this address (the store keeps targets as written or as keys). */
    static boolean sameAddress(String storedTarget, MailAddress address) {
        try {
            return MailAddress.parse(storedTarget).key().equals(address.key());
        } catch (IllegalArgumentException e) {
            return storedTarget.equalsIgnoreCase(address.key());
        }
    }
}
