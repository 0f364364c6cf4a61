package io.mailserver.admin;

import static io.mailserver.admin.MailctlScenarioTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mailserver.store.Delivery;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The commands the scenario does not reach: removals, enable, help and version. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MailctlCommandsTest {
    @TempDir
    Path dir;

    @Test
    void userRemoveDeletesItsMailboxAndAliasMemberships() throws IOException {
        CliRun cli = new CliRun(dir).cheapHashing();
        ok(cli.run("domain", "add", "example.test"));
        ok(cli.runWithStdin("pw\n", "user", "add", "alice@example.test", "--password-stdin"));
        ok(cli.runWithStdin("pw\n", "user", "add", "bob@example.test", "--password-stdin"));
        ok(cli.run("alias", "add", "team@example.test", "alice@example.test", "bob@example.test"));
        ok(cli.run("alias", "add", "solo@example.test", "alice@example.test"));

        // two messages for alice, one of them also for bob
        long aliceId;
        long bobId;
        try (MailStore store = cli.openStore()) {
            aliceId = store.users().find(MailAddress.parse("alice@example.test")).orElseThrow().id();
            bobId = store.users().find(MailAddress.parse("bob@example.test")).orElseThrow().id();
            deliver(store, "Subject: one\r\n\r\nfirst\r\n", aliceId);
            deliver(store, "Subject: two\r\n\r\nsecond, to both\r\n", aliceId, bobId);
        }
        assertTrue(ok(cli.run("user", "show", "alice@example.test", "--json")).out().contains("\"messages\":2,"));

        CliRun.Result removed = ok(cli.run("user", "remove", "alice@example.test"));
        List<String> lines = removed.outLines();
        assertTrue(lines.get(0).matches("removed user alice@example\\.test and deleted its mailbox \\(2 messages, \\d+ B\\)"), removed::toString);
        assertEquals("taken out of alias team@example.test", lines.get(1));
        assertEquals("removed alias solo@example.test: no target left", lines.get(2));
        assertEquals(3, lines.size());

        try (MailStore store = cli.openStore()) {
            assertTrue(store.users().find(MailAddress.parse("alice@example.test")).isEmpty());
            assertTrue(store.maildrops().snapshot(aliceId).isEmpty(), "alice's mail is gone");
            assertEquals(1, store.maildrops().snapshot(bobId).size(), "bob keeps his copy");
            assertTrue(store.users().authenticate(MailAddress.parse("alice@example.test"), "pw".toCharArray()).isEmpty());
        }
        assertEquals("{\"address\":\"team@example.test\",\"targets\":[\"bob@example.test\"],"
                + "\"local_recipients\":[\"bob@example.test\"],\"remote_recipients\":[]}\n",
                ok(cli.run("alias", "show", "team@example.test", "--json")).out());
        ok(cli.run("user", "list", "--json"));
        assertFalse(cli.run("user", "list").out().contains("alice"));
        // the address is free again
        ok(cli.runWithStdin("pw2\n", "user", "add", "alice@example.test", "--password-stdin"));
        assertTrue(ok(cli.run("user", "show", "alice@example.test", "--json")).out().contains("\"messages\":0,"));
    }

    @Test
    void forcedDomainRemovalSaysWhatWentWithIt() throws IOException {
        CliRun cli = new CliRun(dir).cheapHashing();
        ok(cli.run("domain", "add", "example.test"));
        ok(cli.run("domain", "add", "other.test"));
        ok(cli.runWithStdin("pw\n", "user", "add", "alice@example.test", "--password-stdin"));
        ok(cli.runWithStdin("pw\n", "user", "add", "carol@other.test", "--password-stdin"));
        ok(cli.run("alias", "add", "team@example.test", "alice@example.test"));
        ok(cli.run("alias", "add", "fwd@other.test", "alice@example.test"));
        ok(cli.run("alias", "add", "both@other.test", "alice@example.test", "carol@other.test"));
        try (MailStore store = cli.openStore()) {
            deliver(store, "Subject: x\r\n\r\n12345\r\n", store.users().find(MailAddress.parse("alice@example.test")).orElseThrow().id());
        }
        CliRun.Result r = ok(cli.run("domain", "remove", "example.test", "--force"));
        assertEquals(List.of(
                "removed domain example.test with its 1 user and 1 alias; the users' mailboxes were deleted (1 message, "
                        + r.outLines().get(0).replaceAll(".*, (\\d+ B)\\)$", "$1") + ")",
                "removed alias fwd@other.test: no target left"), r.outLines());
        assertTrue(r.outLines().get(0).matches(".*\\(1 message, \\d+ B\\)"), r::toString);
        ok(cli.run("alias", "list", "--json"), "[{\"address\":\"both@other.test\",\"targets\":[\"carol@other.test\"]}]\n");
        ok(cli.run("domain", "list", "--json"));
        assertFalse(cli.run("domain", "list").out().contains("example.test"));
    }

    @Test
    void aliasAddAppendsAndRemoveTakesTargetsOrTheWholeAlias() {
        CliRun cli = new CliRun(dir).cheapHashing();
        ok(cli.run("domain", "add", "example.test"));
        ok(cli.runWithStdin("pw\n", "user", "add", "alice@example.test", "--password-stdin"));
        ok(cli.runWithStdin("pw\n", "user", "add", "bob@example.test", "--password-stdin"));
        ok(cli.run("alias", "add", "team@example.test", "alice@example.test"), "added alias team@example.test -> alice@example.test\n");
        ok(cli.run("alias", "add", "team@example.test", "bob@example.test", "partner@elsewhere.test"),
                "updated alias team@example.test -> alice@example.test, bob@example.test, partner@elsewhere.test\n");
        // an alias may point to another alias
        ok(cli.run("alias", "add", "all@example.test", "team@example.test"));
        assertEquals("{\"address\":\"all@example.test\",\"targets\":[\"team@example.test\"],"
                + "\"local_recipients\":[\"alice@example.test\",\"bob@example.test\"],\"remote_recipients\":[\"partner@elsewhere.test\"]}\n",
                ok(cli.run("alias", "show", "all@example.test", "--json")).out());

        ok(cli.run("alias", "remove", "team@example.test", "partner@elsewhere.test", "bob@example.test"),
                "removed partner@elsewhere.test, bob@example.test from alias team@example.test; it still goes to alice@example.test\n");
        ok(cli.run("alias", "remove", "all@example.test"), "removed alias all@example.test\n");
        ok(cli.run("alias", "list", "example.test", "--json"), "[{\"address\":\"team@example.test\",\"targets\":[\"alice@example.test\"]}]\n");
        ok(cli.run("alias", "remove", "team@example.test", "alice@example.test"), "removed alias team@example.test\n");
        ok(cli.run("alias", "list"), "no aliases\n");
        ok(cli.run("alias", "list", "--json"), "[]\n");
        ok(cli.run("user", "list", "example.test", "--json"));
    }

    @Test
    void emptyListings() {
        CliRun cli = new CliRun(dir).cheapHashing();
        ok(cli.run("domain", "list", "--json"), "[]\n");
        ok(cli.run("user", "list"), "no users\n");
        ok(cli.run("user", "list", "--json"), "[]\n");
        ok(cli.run("domain", "add", "example.test"));
        ok(cli.run("user", "list", "example.test"), "no users in example.test\n");
        ok(cli.run("alias", "list", "example.test"), "no aliases in example.test\n");
    }

    @Test
    void jsonEscapesWhatItMust() {
        CliRun cli = new CliRun(dir).cheapHashing();
        ok(cli.run("domain", "add", "example.test"));
        ok(cli.runWithStdin("pw\n", "user", "add", "\"odd \\\"quoted\\\" name\"@example.test", "--name", "Zoë \"Z\" O'Neil",
                "--password-stdin"));
        String json = ok(cli.run("user", "list", "--json")).out();
        assertTrue(json.contains("\"name\":\"Zo\\u00eb \\\"Z\\\" O'Neil\""), json);
        assertTrue(json.contains("\"address\":\"\\\"odd \\\\\\\"quoted\\\\\\\" name\\\"@example.test\""), json);
    }

    /** Every command and action answers --help (and -h) with its usage, exit 0, without opening a store. */
    @Test
    void helpOnEveryCommandNeedsNoDatabase() {
        List<List<String>> paths = new ArrayList<>();
        collect(Mailctl.commandLine(context(null)), new ArrayList<>(), paths);
        assertTrue(paths.size() >= 1 + 3 + 3 + 7 + 4, "commands found: " + paths);
        for (List<String> path : paths) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(path);
                args.add(flag);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int code = Mailctl.run(args.toArray(String[]::new), new ByteArrayInputStream(new byte[0]),
                        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                        Map.of(), Terminal.none(), config -> fail("--help opened the store"));
                String text = out.toString(StandardCharsets.UTF_8);
                assertEquals(0, code, args + " -> " + err);
                assertEquals("", err.toString(StandardCharsets.UTF_8), args::toString);
                String usage = "Usage: mailctl" + (path.isEmpty() ? "" : " " + String.join(" ", path));
                assertTrue(text.startsWith(usage), args + " -> " + text);
                assertTrue(text.contains("Exit codes: 0 ok"), args + " -> " + text);
            }
        }
    }

    @Test
    void version() {
        CliRun.Result r = ok(new CliRun(dir).run("--version"));
        assertTrue(r.out().matches("mailctl \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n"), r::toString);
    }

    private static void collect(CommandLine cmd, List<String> path, List<List<String>> out) {
        out.add(path);
        for (Map.Entry<String, CommandLine> sub : cmd.getSubcommands().entrySet()) {
            List<String> p = new ArrayList<>(path);
            p.add(sub.getKey());
            collect(sub.getValue(), p, out);
        }
    }

    private static CliContext context(StoreOpener opener) {
        PrintStream nowhere = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return new CliContext(new ByteArrayInputStream(new byte[0]), nowhere, nowhere, Map.of(), Terminal.none(), opener);
    }

    private static void deliver(MailStore store, String message, long... userIds) throws IOException {
        try (Delivery d = store.messages().begin("sender@elsewhere.test", "Q" + System.nanoTime())) {
            d.content().write(message.getBytes(StandardCharsets.US_ASCII));
            for (long id : userIds) {
                d.addLocalRecipient(id);
            }
            d.commit();
        }
    }
}
