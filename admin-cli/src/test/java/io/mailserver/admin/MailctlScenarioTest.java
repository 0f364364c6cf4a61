package io.mailserver.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.User;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The scenario of issue 2's "Done when": one domain, two users, one list alias; list, passwd, disable. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MailctlScenarioTest {
    /** An ISO-8601 UTC timestamp to the second, as mailctl prints it. */
    static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ";

    @TempDir
    Path dir;

    @Test
    void createsListsChangesPasswordAndDisables() {
        CliRun cli = new CliRun(dir);

        assertMatches("added domain example.test\nadded DKIM keys \\d{6}r \\(rsa\\), \\d{6}e \\(ed25519\\):"
                + " publish the records of: mailctl dns records example.test\n", ok(cli.run("domain", "add", "Example.TEST")).out());
        ok(cli.runWithStdin("alice-pw-1\n", "user", "add", "alice@example.test", "--name", "Alice Liddell", "--password-stdin"),
                "added user alice@example.test with an empty mailbox\n");
        ok(cli.runWithStdin("bob-pw-1\r\n", "user", "add", "Bob@Example.Test", "--password-stdin"),
                "added user bob@example.test with an empty mailbox\n");
        ok(cli.run("alias", "add", "team@example.test", "alice@example.test", "bob@example.test"),
                "added alias team@example.test -> alice@example.test, bob@example.test\n");

        // tables
        List<String> domains = ok(cli.run("domain", "list")).outLines();
        assertEquals("DOMAIN        USERS  ALIASES  CREATED", domains.get(0));
        assertTrue(domains.get(1).matches("example\\.test  2      1        " + TIME), domains.get(1));
        assertEquals(2, domains.size());

        List<String> users = ok(cli.run("user", "list")).outLines();
        assertEquals(3, users.size());
        assertEquals("ADDRESS             NAME           STATUS   CREATED", users.get(0));
        assertTrue(users.get(1).matches("alice@example\\.test  Alice Liddell  enabled  " + TIME), users.get(1));
        assertTrue(users.get(2).matches("bob@example\\.test                   enabled  " + TIME), users.get(2));
        assertEquals(users, ok(cli.run("user", "list", "example.test")).outLines());

        assertEquals(List.of("ALIAS              TARGETS", "team@example.test  alice@example.test, bob@example.test"),
                ok(cli.run("alias", "list")).outLines());

        // JSON
        assertMatches("\\[\\{\"name\":\"example.test\",\"users\":2,\"aliases\":1,\"created\":\"" + TIME + "\"}]\n",
                ok(cli.run("domain", "list", "--json")).out());
        assertMatches("\\[\\{\"address\":\"alice@example.test\",\"name\":\"Alice Liddell\",\"enabled\":true,\"created\":\"" + TIME + "\"},"
                        + "\\{\"address\":\"bob@example.test\",\"name\":null,\"enabled\":true,\"created\":\"" + TIME + "\"}]\n",
                ok(cli.run("user", "list", "--json")).out());
        assertEquals("[{\"address\":\"team@example.test\",\"targets\":[\"alice@example.test\",\"bob@example.test\"]}]\n",
                ok(cli.run("alias", "list", "--json")).out());
        assertEquals("{\"address\":\"team@example.test\",\"targets\":[\"alice@example.test\",\"bob@example.test\"],"
                        + "\"local_recipients\":[\"alice@example.test\",\"bob@example.test\"],\"remote_recipients\":[]}\n",
                ok(cli.run("alias", "show", "team@example.test", "--json")).out());
        assertMatches("\\{\"address\":\"alice@example.test\",\"name\":\"Alice Liddell\",\"enabled\":true,\"created\":\"" + TIME + "\","
                        + "\"messages\":0,\"bytes\":0,\"aliases\":\\[\"team@example.test\"]}\n",
                ok(cli.run("user", "show", "alice@example.test", "--json")).out());

        // password change: the new one works, the old one no longer does
        ok(cli.runWithStdin("alice-pw-2\n", "user", "passwd", "alice@example.test", "--password-stdin"),
                "changed the password of alice@example.test\n");
        try (MailStore store = cli.openStore()) {
            MailAddress alice = MailAddress.parse("alice@example.test");
            assertTrue(store.users().authenticate(alice, "alice-pw-2".toCharArray()).isPresent());
            assertFalse(store.users().authenticate(alice, "alice-pw-1".toCharArray()).isPresent());
            // the CR of a CRLF line end is not part of the password
            assertTrue(store.users().authenticate(MailAddress.parse("bob@example.test"), "bob-pw-1".toCharArray()).isPresent());
        }

        // disable: listed as such, cannot log in; enable: can again
        ok(cli.run("user", "disable", "bob@example.test"),
                "disabled bob@example.test: it cannot log in; mail to it is still accepted and kept\n");
        assertTrue(ok(cli.run("user", "list")).outLines().get(2).matches("bob@example\\.test +disabled  " + TIME));
        assertTrue(ok(cli.run("user", "show", "bob@example.test", "--json")).out().contains("\"enabled\":false"));
        try (MailStore store = cli.openStore()) {
            MailAddress bob = MailAddress.parse("bob@example.test");
            assertFalse(store.users().authenticate(bob, "bob-pw-1".toCharArray()).isPresent());
            Optional<User> stored = store.users().find(bob);
            assertFalse(stored.orElseThrow().enabled());
        }
        ok(cli.run("user", "enable", "bob@example.test"), "enabled bob@example.test\n");
        try (MailStore store = cli.openStore()) {
            assertTrue(store.users().authenticate(MailAddress.parse("bob@example.test"), "bob-pw-1".toCharArray()).isPresent());
        }
    }

    @Test
    void showPrintsAReadableRecord() {
        CliRun cli = new CliRun(dir);
        ok(cli.run("domain", "add", "example.test"));
        ok(cli.runWithStdin("pw\n", "user", "add", "alice@example.test", "--name", "Alice", "--password-stdin"));
        ok(cli.run("alias", "add", "team@example.test", "alice@example.test", "carol@elsewhere.test"));

        List<String> user = ok(cli.run("user", "show", "ALICE@example.test")).outLines();
        assertEquals("Address: alice@example.test", user.get(0));
        assertEquals("Name:    Alice", user.get(1));
        assertEquals("Status:  enabled", user.get(2));
        assertTrue(user.get(3).matches("Created: " + TIME), user.get(3));
        assertEquals("Mailbox: 0 messages, 0 B", user.get(4));
        assertEquals("Aliases: team@example.test", user.get(5));

        assertEquals(List.of(
                "Alias:             team@example.test",
                "Targets:           alice@example.test, carol@elsewhere.test",
                "Local recipients:  alice@example.test",
                "Remote recipients: carol@elsewhere.test"), ok(cli.run("alias", "show", "team@example.test")).outLines());
    }

    static CliRun.Result ok(CliRun.Result r) {
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err(), r::toString);
        return r;
    }

    static CliRun.Result ok(CliRun.Result r, String expectedOut) {
        ok(r);
        assertEquals(expectedOut, r.out(), r::toString);
        return r;
    }

    static void assertMatches(String regex, String actual) {
        assertTrue(actual.matches("(?s)" + regex), () -> "expected to match " + regex + "\nbut was " + actual);
    }
}
