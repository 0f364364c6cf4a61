package io.mailserver.admin;

import static io.mailserver.admin.MailctlScenarioTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mailctl user profile}: the Apple configuration profile, read back by Python's plistlib (an independent
 * reader of Apple's property-list format), must name the configured host and ports.
 */
class MailctlProfileTest {
    @TempDir
    Path dir;

    @Test
    void profileNamesTheConfiguredServersAndHoldsThePasswordOnlyWhenAsked() throws Exception {
        CliRun cli = new CliRun(dir.resolve("data")).cheapHashing();
        cli.env.put("MAILSERVER_SERVER_HOSTNAME", "mail.example.test");
        cli.env.put("MAILSERVER_POP3S_LISTEN", "0.0.0.0:995");
        cli.env.put("MAILSERVER_SMTPS_LISTEN", "0.0.0.0:465");
        ok(cli.run("domain", "add", "example.test"));
        ok(cli.runWithStdin("s3cret\n", "user", "add", "alice@example.test", "--name", "Alice Liddell", "--password-stdin"));

        String plain = ok(cli.run("user", "profile", "alice@example.test")).out();
        assertEquals("EmailTypePOP|alice@example.test|Alice Liddell|mail.example.test|995|True|alice@example.test|"
                + "mail.example.test|465|True|True|-|Configuration|com.apple.mail.managed", readWithPlistlib(plain));

        assertNotEquals(0, cli.runWithStdin("wrong\n", "user", "profile", "alice@example.test", "--with-password", "--password-stdin").code(),
                "a profile with a password that does not log in is refused");
        Path file = dir.resolve("alice.mobileconfig");
        ok(cli.runWithStdin("s3cret\n", "user", "profile", "alice@example.test", "--with-password", "--password-stdin", "-o", file.toString()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String withPassword = Files.readString(file);
        assertTrue(readWithPlistlib(withPassword).contains("|True|s3cret|Configuration|"), readWithPlistlib(withPassword));
        // the same account gets the same identifiers, so a newer profile replaces the older one on the device
        assertEquals(uuids(plain), uuids(withPassword));
    }

    private static String readWithPlistlib(String profile) throws Exception {
        String script = String.join("\n",
                "import plistlib, sys",
                "p = plistlib.loads(sys.stdin.buffer.read())",
                "a = p['PayloadContent'][0]",
                "print('|'.join(str(x) for x in [a['EmailAccountType'], a['EmailAddress'], a['EmailAccountName'],",
                "  a['IncomingMailServerHostName'], a['IncomingMailServerPortNumber'], a['IncomingMailServerUseSSL'],",
                "  a['IncomingMailServerUsername'], a['OutgoingMailServerHostName'], a['OutgoingMailServerPortNumber'],",
                "  a['OutgoingMailServerUseSSL'], a['OutgoingPasswordSameAsIncomingPassword'], a.get('IncomingPassword', '-'),",
                "  p['PayloadType'], a['PayloadType']]))");
        Process python = new ProcessBuilder(List.of("python3", "-c", script)).redirectErrorStream(true).start();
        python.getOutputStream().write(profile.getBytes(StandardCharsets.UTF_8));
        python.getOutputStream().close();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(python.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, python.exitValue(), out);
        return out;
    }

    private static List<String> uuids(String profile) {
        return profile.lines().filter(l -> l.contains("<key>PayloadUUID</key>")).toList();
    }
}
