package io.mailserver.admin;

import static io.mailserver.admin.MailctlScenarioTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Every bad input is refused with one line "mailctl: ..." on stderr, nothing on stdout, and its exit code. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MailctlErrorsTest {
    @TempDir
    Path dir;

    CliRun cli;

    @BeforeEach
    void setUp() {
        cli = new CliRun(dir).cheapHashing();
        ok(cli.run("domain", "add", "example.test"));
        ok(cli.runWithStdin("alice-pw\n", "user", "add", "alice@example.test", "--password-stdin"));
    }

    @Test
    void malformedAddresses() {
        fails(ExitCode.USAGE, "malformed address \"alice\": missing @domain (RFC 5321 mailbox expected)",
                cli.runWithStdin("pw\n", "user", "add", "alice", "--password-stdin"));
        fails(ExitCode.USAGE, "malformed address \"a..b@example.test\": empty atom in local part (RFC 5321 mailbox expected)",
                cli.runWithStdin("pw\n", "user", "add", "a..b@example.test", "--password-stdin"));
        fails(ExitCode.USAGE, "malformed address \"carol@exa_mple.test\": bad domain \"exa_mple.test\" (RFC 5321 mailbox expected)",
                cli.runWithStdin("pw\n", "user", "add", "carol@exa_mple.test", "--password-stdin"));
        fails(ExitCode.USAGE, "malformed address \"<alice@example.test>\": character '<' not allowed in local part (RFC 5321 mailbox expected)",
                cli.run("user", "show", "<alice@example.test>"));
        fails(ExitCode.USAGE, "malformed target \"bob at example.test\": character ' ' not allowed in local part (RFC 5321 mailbox expected)",
                cli.run("alias", "add", "team@example.test", "bob at example.test"));
        fails(ExitCode.USAGE, "malformed alias \"team\": missing @domain (RFC 5321 mailbox expected)",
                cli.run("alias", "add", "team", "alice@example.test"));
        fails(ExitCode.USAGE, "address \"carol@[192.0.2.1]\" has an address literal; local addresses need a domain name",
                cli.runWithStdin("pw\n", "user", "add", "carol@[192.0.2.1]", "--password-stdin"));
    }

    @Test
    void malformedDomains() {
        fails(ExitCode.USAGE, "malformed domain \"exa_mple.test\": letters, digits, hyphens and dots expected", cli.run("domain", "add", "exa_mple.test"));
        fails(ExitCode.USAGE, "malformed domain \"-bad.test\": letters, digits, hyphens and dots expected", cli.run("domain", "add", "--", "-bad.test"));
        fails(ExitCode.USAGE, "malformed domain \"a..b\": letters, digits, hyphens and dots expected", cli.run("user", "list", "a..b"));
        fails(ExitCode.USAGE, "malformed domain \"[127.0.0.1]\": an address literal is not a domain name", cli.run("domain", "add", "[127.0.0.1]"));
    }

    @Test
    void unknownDomainsAndAddressesOutsideLocalDomains() {
        fails(ExitCode.NOT_FOUND, "elsewhere.test is not a local domain (add it with: mailctl domain add elsewhere.test)",
                cli.runWithStdin("pw\n", "user", "add", "carol@elsewhere.test", "--password-stdin"));
        fails(ExitCode.NOT_FOUND, "elsewhere.test is not a local domain (add it with: mailctl domain add elsewhere.test)",
                cli.run("alias", "add", "list@elsewhere.test", "alice@example.test"));
        fails(ExitCode.NOT_FOUND, "no domain elsewhere.test", cli.run("domain", "remove", "elsewhere.test"));
        fails(ExitCode.NOT_FOUND, "elsewhere.test is not a local domain", cli.run("user", "list", "elsewhere.test"));
        fails(ExitCode.NOT_FOUND, "elsewhere.test is not a local domain", cli.run("alias", "list", "elsewhere.test", "--json"));
    }

    @Test
    void unknownUsersAndAliases() {
        fails(ExitCode.NOT_FOUND, "no user nobody@example.test", cli.run("user", "show", "nobody@example.test"));
        fails(ExitCode.NOT_FOUND, "no user nobody@example.test", cli.run("user", "show", "nobody@example.test", "--json"));
        fails(ExitCode.NOT_FOUND, "no user nobody@example.test", cli.runWithStdin("pw\n", "user", "passwd", "nobody@example.test", "--password-stdin"));
        fails(ExitCode.NOT_FOUND, "no user nobody@example.test", cli.run("user", "disable", "nobody@example.test"));
        fails(ExitCode.NOT_FOUND, "no user nobody@example.test", cli.run("user", "enable", "nobody@example.test"));
        fails(ExitCode.NOT_FOUND, "no user nobody@example.test", cli.run("user", "remove", "nobody@example.test"));
        fails(ExitCode.NOT_FOUND, "no alias nobody@example.test", cli.run("alias", "show", "nobody@example.test"));
        fails(ExitCode.NOT_FOUND, "no alias nobody@example.test", cli.run("alias", "remove", "nobody@example.test"));
        fails(ExitCode.NOT_FOUND, "target nobody@example.test is in a local domain but is neither a user nor an alias",
                cli.run("alias", "add", "team@example.test", "alice@example.test", "nobody@example.test"));
        ok(cli.run("alias", "add", "team@example.test", "alice@example.test"));
        fails(ExitCode.NOT_FOUND, "bob@example.test is not a target of alias team@example.test",
                cli.run("alias", "remove", "team@example.test", "bob@example.test"));
    }

    @Test
    void duplicates() {
        fails(ExitCode.CONFLICT, "domain example.test exists already", cli.run("domain", "add", "EXAMPLE.test."));
        fails(ExitCode.CONFLICT, "user alice@example.test exists already",
                cli.runWithStdin("pw\n", "user", "add", "Alice@Example.Test", "--password-stdin"));
        fails(ExitCode.CONFLICT, "alice@example.test is a user; an address is either a user or an alias",
                cli.run("alias", "add", "alice@example.test", "bob@elsewhere.test"));
        ok(cli.run("alias", "add", "team@example.test", "alice@example.test"));
        fails(ExitCode.CONFLICT, "team@example.test is an alias; an address is either a user or an alias",
                cli.runWithStdin("pw\n", "user", "add", "team@example.test", "--password-stdin"));
    }

    @Test
    void aliasLoopsAreRefusedAtAdd() {
        fails(ExitCode.CONFLICT, "alias loop: self@example.test cannot be its own target",
                cli.run("alias", "add", "self@example.test", "self@example.test"));
        ok(cli.run("alias", "add", "a@example.test", "alice@example.test"));
        ok(cli.run("alias", "add", "b@example.test", "a@example.test"));
        ok(cli.run("alias", "add", "c@example.test", "b@example.test"));
        CliRun.Result loop = cli.run("alias", "add", "a@example.test", "c@example.test");
        assertEquals(ExitCode.CONFLICT, loop.code(), loop::toString);
        oneLine(loop);
        assertTrue(loop.err().contains("loop"), loop::toString);
        // nothing changed
        assertTrue(ok(cli.run("alias", "show", "a@example.test", "--json")).out().startsWith(
                "{\"address\":\"a@example.test\",\"targets\":[\"alice@example.test\"],"));
    }

    @Test
    void domainRemoveRefusesWhileInUseUnlessForced() {
        ok(cli.run("alias", "add", "team@example.test", "alice@example.test"));
        fails(ExitCode.CONFLICT, "domain example.test still has 1 user and 1 alias: remove them first, "
                + "or use --force to remove them with the domain (users' mail is deleted)", cli.run("domain", "remove", "example.test"));
        ok(cli.run("domain", "remove", "example.test", "--force"),
                "removed domain example.test with its 1 user and 1 alias; the users' mailboxes were deleted (0 messages, 0 B)\n");
        ok(cli.run("domain", "list"), "no domains (add one with: mailctl domain add DOMAIN)\n");
        ok(cli.run("domain", "add", "empty.test"));
        ok(cli.run("domain", "remove", "empty.test"), "removed domain empty.test\n");
    }

    @Test
    void passwordsAreNeverArgumentsAndMustBeTyped() {
        fails(ExitCode.USAGE, "Unknown options: '--password', 'secret' (see mailctl user add --help)",
                cli.run("user", "add", "bob@example.test", "--password", "secret"));
        fails(ExitCode.USAGE, "Unmatched argument at index 3: 'secret' (see mailctl user add --help)",
                cli.run("user", "add", "bob@example.test", "secret"));
        // under a test runner there is no console: the prompt is impossible
        fails(ExitCode.USAGE, "no terminal to prompt for the password: use --password-stdin and pipe it in",
                cli.run("user", "add", "bob@example.test"));
        fails(ExitCode.USAGE, "no terminal to prompt for the password: use --password-stdin and pipe it in",
                cli.run("user", "passwd", "alice@example.test"));
        fails(ExitCode.USAGE, "--password-stdin: standard input is empty (pipe the password in, e.g. printf '%s\\n' \"$PW\" | mailctl ...)",
                cli.runWithStdin("", "user", "add", "bob@example.test", "--password-stdin"));
        fails(ExitCode.USAGE, "the password is empty", cli.runWithStdin("\n", "user", "add", "bob@example.test", "--password-stdin"));
        fails(ExitCode.USAGE, "the password contains a control character",
                cli.runWithStdin("a\u0000b\n", "user", "add", "bob@example.test", "--password-stdin"));
        fails(ExitCode.USAGE, "the password is longer than 1024 characters",
                cli.runWithStdin("x".repeat(1025) + "\n", "user", "passwd", "alice@example.test", "--password-stdin"));
        // none of these created bob or changed alice's password
        try (MailStore store = cli.openStore()) {
            assertTrue(store.users().find(MailAddress.parse("bob@example.test")).isEmpty());
            assertTrue(store.users().authenticate(MailAddress.parse("alice@example.test"), "alice-pw".toCharArray()).isPresent());
        }
    }

    @Test
    void passwordStdinReadsOnlyTheFirstLineAsUtf8() {
        ok(cli.runWithStdin("pässwörd ünd späces\nsecond line\n", "user", "add", "bob@example.test", "--password-stdin"));
        ok(cli.runWithStdin("no-newline-at-end", "user", "add", "carol@example.test", "--password-stdin"));
        try (MailStore store = cli.openStore()) {
            assertTrue(store.users().authenticate(MailAddress.parse("bob@example.test"), "pässwörd ünd späces".toCharArray()).isPresent());
            assertFalse(store.users().authenticate(MailAddress.parse("bob@example.test"), "second line".toCharArray()).isPresent());
            assertTrue(store.users().authenticate(MailAddress.parse("carol@example.test"), "no-newline-at-end".toCharArray()).isPresent());
        }
    }

    @Test
    void interactivePromptIsTypedTwice() {
        CliRun.ScriptedTerminal good = new CliRun.ScriptedTerminal("typed-pw", "typed-pw");
        ok(cli.terminal(good).run("user", "add", "bob@example.test"), "added user bob@example.test with an empty mailbox\n");
        assertEquals(2, good.prompts.size());
        assertEquals("New password for bob@example.test: ", good.prompts.get(0));

        CliRun.ScriptedTerminal typo = new CliRun.ScriptedTerminal("new-pw", "new-pq");
        fails(ExitCode.USAGE, "the two passwords do not match; nothing changed", cli.terminal(typo).run("user", "passwd", "bob@example.test"));
        fails(ExitCode.USAGE, "no password entered", cli.terminal(new CliRun.ScriptedTerminal()).run("user", "passwd", "bob@example.test"));
        try (MailStore store = cli.openStore()) {
            assertTrue(store.users().authenticate(MailAddress.parse("bob@example.test"), "typed-pw".toCharArray()).isPresent());
        }
    }

    @Test
    void usageErrors() {
        fails(ExitCode.USAGE, "missing command: one of domain, user, alias, queue, status, dkim, dns (see mailctl --help)", cli.run());
        fails(ExitCode.USAGE, "missing action: one of add, list, remove (see mailctl domain --help)", cli.run("domain"));
        fails(ExitCode.USAGE, "Unmatched argument at index 0: 'frobnicate' (see mailctl --help)", cli.run("frobnicate"));
        fails(ExitCode.USAGE, "Missing required parameter: 'TARGET' (see mailctl alias add --help)", cli.run("alias", "add", "team@example.test"));
        fails(ExitCode.USAGE, "Missing required parameter: 'DOMAIN' (see mailctl domain add --help)", cli.run("domain", "add"));
    }

    @Test
    void databaseUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        cli.env.put("MAILSERVER_DB_URL", "jdbc:postgresql://127.0.0.1:" + closedPort + "/mail");
        CliRun.Result r = cli.run("domain", "list");
        assertEquals(ExitCode.STORE_UNAVAILABLE, r.code(), r::toString);
        oneLine(r);
        assertTrue(r.err().startsWith("mailctl: store: "), r::toString);
        assertTrue(r.err().contains("127.0.0.1:" + closedPort) || r.err().contains("refused"), r::toString);
    }

    @Test
    void badConfiguration() throws IOException {
        cli.env.put("MAILSERVER_DB_POOL_SIZE", "lots");
        CliRun.Result r = cli.run("domain", "list");
        assertEquals(ExitCode.CONFIG, r.code(), r::toString);
        oneLine(r);
        assertTrue(r.err().contains("db.pool-size"), r::toString);
        cli.env.remove("MAILSERVER_DB_POOL_SIZE");

        fails(ExitCode.CONFIG, "configuration file " + dir.resolve("missing.conf") + " does not exist or is not a file",
                cli.run("--config", dir.resolve("missing.conf").toString(), "domain", "list"));
        Path conf = Files.writeString(dir.resolve("bad.conf"), "no.such.key = 1\n");
        r = cli.run("domain", "list", "--config", conf.toString());
        assertEquals(ExitCode.CONFIG, r.code(), r::toString);
        assertTrue(r.err().contains("no.such.key"), r::toString);
    }

    @Test
    void configFileIsRead() throws IOException {
        Path other = dir.resolve("other-data");
        Path conf = Files.writeString(dir.resolve("mailserver.conf"), "# test\nserver.data-dir = " + other + "\n");
        CliRun elsewhere = new CliRun(dir).cheapHashing();
        elsewhere.env.clear();
        ok(elsewhere.run("--config", conf.toString(), "domain", "add", "other.test"));
        ok(elsewhere.run("domain", "list", "--json", "--config", conf.toString()));
        assertTrue(elsewhere.run("domain", "list", "--json", "--config", conf.toString()).out().contains("\"other.test\""));
        // the first store did not get it
        assertFalse(cli.run("domain", "list", "--json").out().contains("other.test"));
    }

    static void fails(int code, String message, CliRun.Result r) {
        assertEquals(code, r.code(), r::toString);
        assertEquals("mailctl: " + message + "\n", r.err(), r::toString);
        assertEquals("", r.out(), r::toString);
    }

    static void oneLine(CliRun.Result r) {
        assertEquals("", r.out(), r::toString);
        assertTrue(r.err().startsWith("mailctl: "), r::toString);
        assertEquals(1, r.err().split("\n", -1).length - 1, r::toString);
    }
}
