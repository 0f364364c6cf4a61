package io.mailserver.server.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.testkit.TestFiles;

/**
 * A server that runs out of heap exits at once (bin/mailserver's {@code -XX:+ExitOnOutOfMemoryError}) with the
 * JVM's own line "Terminating due to java.lang.OutOfMemoryError", so a supervisor restarts it, instead of limping
 * on with dead threads; what it acknowledged before is all there after the restart, as after kill -9. The child
 * runs with bin/mailserver's JVM options and a 96 MiB heap, and a test-only thread ({@link OutOfMemoryChild})
 * exhausts it on a signal.
 */
class OutOfMemoryExitTest {
    private Path dataDir;

    @AfterEach
    void cleanUp() {
        if (dataDir != null) {
            TestFiles.deleteTree(dataDir);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void outOfMemoryEndsTheProcessAtOnceAndAcknowledgedMailSurvivesIt() throws Exception {
        dataDir = Files.createTempDirectory("reliability-oom-");
        TestMail.createUsers(dataDir, Map.of(), "alice");
        List<String> acknowledged = new ArrayList<>();
        ChildServer child = ChildServer.start(dataDir, Map.of(), List.of("-Xmx96m"), OutOfMemoryChild.class);
        try {
            try (Wire w = Wire.connect(child.smtpPort())) {
                w.smtpReply();
                w.smtp("EHLO client.far.test", "250");
                for (int i = 0; i < 3; i++) {
                    String id = "oom-" + i;
                    assertTrue(TestMail.send(w, id, "alice").startsWith("250 "), id);
                    acknowledged.add(id);
                }
            }
            Files.createFile(dataDir.resolve(OutOfMemoryChild.TRIGGER));
            int status = child.waitFor(60);
            assertEquals(3, status, "the JVM's exit status after an OutOfMemoryError\n" + child.log());
            assertTrue(child.log().contains("Terminating due to java.lang.OutOfMemoryError"), child.log());
        } finally {
            child.kill();
        }
        try (ChildServer again = ChildServer.start(dataDir, Map.of());
             Pop3Wire pop = Pop3Wire.connect(again.pop3Port())) {
            pop.login(TestMail.address("alice"), "alice-pw");
            assertEquals(acknowledged.size(), pop.count(), "every acknowledged message is there after the restart");
            for (int n = 1; n <= acknowledged.size(); n++) {
                byte[] message = pop.retr(n);
                String id = TestMail.idOf(message);
                assertTrue(acknowledged.contains(id) && TestMail.isWhole(message, id), "message " + n + " is whole: " + id);
            }
            pop.ok("QUIT");
        }
    }
}
