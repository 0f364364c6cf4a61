package io.mailserver.admin;

import io.mailserver.store.Alias;
import io.mailserver.store.MailAddress;
import io.mailserver.store.User;
import io.mailserver.web.AppleMailProfile;
import io.mailserver.web.ClientSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code mailctl user ...}: mailbox owners, who log in with POP3 and submission AUTH. */
@Command(name = "user", synopsisSubcommandLabel = "ACTION",
        description = "Add, list, show, change and remove users (a user is a login, a mailbox and an address).")
public final class UserCommand extends EntityCommand {
    /** Longest display name accepted; it only labels the user in listings. */
    static final int MAX_NAME = 200;

    private static final String PASSWORD_STDIN_HELP =
            "Read the password from the first line of standard input instead of prompting (twice) on the terminal.";

    @Command(name = "add", description = {
            "Create a user: login, mailbox and address, in one transaction.",
            "The password is prompted for twice, or read from standard input with --password-stdin;",
            "it is never given as an argument."})
    void add(@Parameters(paramLabel = "ADDRESS", description = "e.g. alice@example.org; the domain must be local") String text,
             @Option(names = "--name", paramLabel = "\"Full Name\"", description = "Display name.") String name,
             @Option(names = "--password-stdin", description = PASSWORD_STDIN_HELP) boolean passwordStdin) {
        MailAddress address = Inputs.localAddress(text, "address");
        String displayName = displayName(name);
        requireLocalDomain(address);
        if (store().users().find(address).isPresent()) {
            throw CliException.conflict("user " + address.key() + " exists already");
        }
        if (store().aliases().find(address).isPresent()) {
            throw CliException.conflict(address.key() + " is an alias; an address is either a user or an alias");
        }
        char[] password = Passwords.read(passwordStdin, context().stdin(), context().terminal(), address.key());
        try {
            User user = store().users().add(address, displayName, password);
            out().println("added user " + user.address() + " with an empty mailbox");
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    @Command(name = "list", description = "List users, all or those of one domain.")
    void list(@Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "Only this domain's users.") String domainText,
              @Option(names = "--json", description = "One line of JSON: [{address, name, enabled, created}].") boolean json) {
        Optional<String> domain = Optional.ofNullable(domainText).map(Inputs::domain);
        domain.ifPresent(d -> {
            if (store().domains().find(d).isEmpty()) {
                throw CliException.notFound(d + " is not a local domain");
            }
        });
        List<User> users = store().users().list(domain);
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (User u : users) {
                rows.add(summary(u));
            }
            printJson(rows);
            return;
        }
        if (users.isEmpty()) {
            out().println("no users" + domain.map(d -> " in " + d).orElse(""));
            return;
        }
        Table table = new Table("ADDRESS", "NAME", "STATUS", "CREATED");
        for (User u : users) {
            table.row(u.address(), nullToEmpty(u.displayName()), status(u), Formats.instant(u.createdAt()));
        }
        table.print(out());
    }

    @Command(name = "show", description = "Show one user: status, mailbox contents and the aliases that include it.")
    void show(@Parameters(paramLabel = "ADDRESS") String text,
              @Option(names = "--json", description = "One line of JSON: {address, name, enabled, created, messages, bytes, aliases}.") boolean json) {
        MailAddress address = Inputs.address(text, "address");
        User user = requireUser(address);
        Mailbox mailbox = mailbox(user.id());
        List<String> aliases = aliasesIncluding(address);
        if (json) {
            Map<String, Object> o = summary(user);
            o.put("messages", mailbox.messages());
            o.put("bytes", mailbox.bytes());
            o.put("aliases", aliases);
            printJson(o);
            return;
        }
        List<String[]> pairs = new ArrayList<>();
        pairs.add(new String[] {"Address", user.address()});
        pairs.add(new String[] {"Name", nullToEmpty(user.displayName())});
        pairs.add(new String[] {"Status", user.enabled() ? "enabled" : "disabled (cannot log in; mail is still accepted)"});
        pairs.add(new String[] {"Created", Formats.instant(user.createdAt())});
        pairs.add(new String[] {"Mailbox", mailbox.toString()});
        pairs.add(new String[] {"Aliases", aliases.isEmpty() ? "(none)" : String.join(", ", aliases)});
        Table.printRecord(out(), pairs);
    }

    @Command(name = "passwd", description = "Set a user's password (prompted twice, or read with --password-stdin).")
    void passwd(@Parameters(paramLabel = "ADDRESS") String text,
                @Option(names = "--password-stdin", description = PASSWORD_STDIN_HELP) boolean passwordStdin) {
        MailAddress address = Inputs.address(text, "address");
        User user = requireUser(address);
        char[] password = Passwords.read(passwordStdin, context().stdin(), context().terminal(), user.address());
        try {
            store().users().setPassword(address, password);
        } finally {
            Arrays.fill(password, '\0');
        }
        out().println("changed the password of " + user.address());
    }

    @Command(name = "profile", description = {
            "Write an Apple configuration profile (.mobileconfig) with the user's POP3 and SMTP settings:",
            "opened on an iPhone, iPad or Mac, it sets up the account in Mail. Without --with-password",
            "the device asks for the password when the profile is installed."})
    void profile(@Parameters(paramLabel = "ADDRESS") String text,
                 @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE (default: standard output).") Path output,
                 @Option(names = "--with-password", description = "Put the password in the profile (prompted, or read with --password-stdin);"
                         + " it is checked first, and the file is then as secret as the password (written owner-only).") boolean withPassword,
                 @Option(names = "--password-stdin", description = PASSWORD_STDIN_HELP) boolean passwordStdin) {
        MailAddress address = Inputs.address(text, "address");
        User user = requireUser(address);
        Optional<String> password = Optional.empty();
        if (withPassword) {
            char[] typed = Passwords.read(passwordStdin, context().stdin(), context().terminal(), user.address());
            try {
                if (store().users().authenticate(address, typed).isEmpty()) {
                    throw CliException.usage("that is not the password of " + user.address() + "; the profile would not log in");
                }
                password = Optional.of(new String(typed));
            } finally {
                Arrays.fill(typed, '\0');
            }
        }
        ClientSettings settings = ClientSettings.from(context().config());
        if (settings.preferredIncoming().isEmpty() || settings.preferredOutgoing().isEmpty()) {
            throw CliException.usage("the configuration has no POP3 or no submission listener for the profile to name");
        }
        String profile = AppleMailProfile.render(MailAddress.parse(user.address()), Optional.ofNullable(user.displayName()).orElse(""), settings, password);
        if (output == null) {
            out().print(profile);
            return;
        }
        try {
            Files.deleteIfExists(output);
            Files.createFile(output, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(output, profile);
        } catch (IOException e) {
            throw CliException.usage("cannot write " + output + ": " + e.getMessage());
        }
        out().println("wrote the profile of " + user.address() + " to " + output + (withPassword ? " (it holds the password)" : ""));
    }

    @Command(name = "disable", description = "Stop a user from logging in. Mail to it is still accepted and kept.")
    void disable(@Parameters(paramLabel = "ADDRESS") String text) {
        MailAddress address = Inputs.address(text, "address");
        User user = requireUser(address);
        store().users().setEnabled(address, false);
        out().println("disabled " + user.address() + ": it cannot log in; mail to it is still accepted and kept");
    }

    @Command(name = "enable", description = "Let a disabled user log in again.")
    void enable(@Parameters(paramLabel = "ADDRESS") String text) {
        MailAddress address = Inputs.address(text, "address");
        User user = requireUser(address);
        store().users().setEnabled(address, true);
        out().println("enabled " + user.address());
    }

    @Command(name = "remove", description = {
            "Remove a user and delete its mailbox with all its mail.",
            "Every message in the mailbox is gone for good (copies in other mailboxes stay).",
            "The user is also taken out of the aliases that list it."})
    void remove(@Parameters(paramLabel = "ADDRESS") String text) {
        MailAddress address = Inputs.address(text, "address");
        User user = requireUser(address);
        Mailbox mailbox = mailbox(user.id());
        List<String> memberOf = aliasesIncluding(address);
        Set<String> aliasesBefore = aliasAddresses();
        store().users().remove(address);
        out().println("removed user " + user.address() + " and deleted its mailbox (" + mailbox + ")");
        Set<String> aliasesAfter = aliasAddresses();
        List<String> stillThere = memberOf.stream().filter(aliasesAfter::contains).toList();
        if (!stillThere.isEmpty()) {
            out().println("taken out of " + (stillThere.size() == 1 ? "alias " : "aliases ") + String.join(", ", stillThere));
        }
        reportVanishedAliases(aliasesBefore);
    }

    private static Map<String, Object> summary(User u) {
        Map<String, Object> o = Json.object();
        o.put("address", u.address());
        o.put("name", u.displayName());
        o.put("enabled", u.enabled());
        o.put("created", u.createdAt());
        return o;
    }

    /** The aliases that list this address directly as a target. */
    private List<String> aliasesIncluding(MailAddress address) {
        List<String> result = new ArrayList<>();
        for (Alias alias : store().aliases().list(Optional.empty())) {
            for (String target : alias.targets()) {
                if (AliasCommand.sameAddress(target, address)) {
                    result.add(alias.address());
                    break;
                }
            }
        }
        return result;
    }

    private static String displayName(String name) {
        if (name == null) {
            return null;
        }
        String n = name.strip();
        if (n.isEmpty()) {
            return null;
        }
        if (n.length() > MAX_NAME) {
            throw CliException.usage("--name is longer than " + MAX_NAME + " characters");
        }
        for (int i = 0; i < n.length(); i++) {
            if (Character.isISOControl(n.charAt(i))) {
                throw CliException.usage("--name contains a control character");
            }
        }
        return n;
    }

    private static String status(User u) {
        return u.enabled() ? "enabled" : "disabled";
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
