package io.mailserver.admin;

import static io.mailserver.admin.MailctlScenarioTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * docs/design.md, contract 1: mailctl works while another process (the server) holds the same embedded H2
 * database open, and both see each other's writes at once (H2 auto-server mode).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class MailctlConcurrentProcessTest {
    @TempDir
    Path dir;

    @Test
    void mailctlAndAnotherProcessShareTheEmbeddedStore() throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                StoreHolderMain.class.getName(), dir.toString(), "alice@example.test");
        pb.redirectErrorStream(true);
        Process child = pb.start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        List<String> transcript = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("READ FAILED " + e);
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            await(lines, transcript, "READY", 60);

            // mailctl reads what the other process wrote, and writes while it holds the database
            CliRun cli = new CliRun(dir);
            assertTrue(ok(cli.run("domain", "list", "--json")).out().contains("\"name\":\"child.test\""));
            ok(cli.run("domain", "add", "example.test"));
            ok(cli.runWithStdin("pw\n", "user", "add", "alice@example.test", "--name", "Alice", "--password-stdin"));

            await(lines, transcript, "SEEN alice@example.test Alice", 30);
            await(lines, transcript, "ALIASED", 30);
            assertEquals("{\"address\":\"all@example.test\",\"targets\":[\"alice@example.test\"],"
                            + "\"local_recipients\":[\"alice@example.test\"],\"remote_recipients\":[]}\n",
                    ok(cli.run("alias", "show", "all@example.test", "--json")).out());

            try (Writer w = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
                w.write("quit\n");
            }
            await(lines, transcript, "CLOSED", 30);
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not exit");
            assertEquals(0, child.exitValue(), () -> String.join("\n", transcript));
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        // after the holder is gone, mailctl opens the database itself and finds everything
        assertTrue(ok(new CliRun(dir).run("user", "list", "--json")).out().contains("\"address\":\"alice@example.test\""));
    }

    /** Waits for a line from the child, skipping others (e.g. log lines), failing with the transcript on timeout. */
    private static void await(BlockingQueue<String> lines, List<String> transcript, String expected, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                fail("child did not say \"" + expected + "\" within " + seconds + " s; it said:\n" + String.join("\n", transcript));
            }
            transcript.add(line);
            if (line.equals(expected)) {
                return;
            }
        }
    }
}
