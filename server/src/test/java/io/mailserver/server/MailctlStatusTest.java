package io.mailserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.admin.Mailctl;
import io.mailserver.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mailctl status} against a running server, and after it stopped. */
class MailctlStatusTest {
    @TempDir
    Path dir;

    @Test
    void statusShowsListenersStoreAndQueueAndFailsWhenTheServerIsDown() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("MAILSERVER_SERVER_DATA_DIR", dir.resolve("data").toString());
        env.put("MAILSERVER_SERVER_HOSTNAME", "mx.example.test");
        env.put("MAILSERVER_SMTP_LISTEN", "127.0.0.1:" + freePort());
        env.put("MAILSERVER_POP3_LISTEN", "127.0.0.1:" + freePort());
        env.put("MAILSERVER_HTTP_LISTEN", "127.0.0.1:" + freePort());
        env.put("MAILSERVER_SUBMISSION_LISTEN", "");
        env.put("MAILSERVER_SMTPS_LISTEN", "");
        env.put("MAILSERVER_POP3S_LISTEN", "");
        env.put("MAILSERVER_HTTPS_LISTEN", "");
        ServerConfig config = ServerConfig.load(null, env);
        try (MailServer server = MailServer.start(config)) {
            server.store().domains().add("example.test");
            String[] out = new String[1];
            assertEquals(0, mailctl(env, out, "status", "--json"), out[0]);
            String json = out[0];
            assertTrue(json.contains("\"name\":\"smtp\"") && json.contains("\"name\":\"pop3\"") && json.contains("\"name\":\"http\""), json);
            assertTrue(!json.contains("\"up\":false"), json);
            assertTrue(json.contains("\"web\":\"ready\""), json);
            assertTrue(json.contains("\"store\":\"reachable (1 domains, 0 users)\""), json);
            assertTrue(json.contains("\"queued\":0"), json);
            assertEquals(0, mailctl(env, out, "status"), out[0]);
            assertTrue(out[0].contains("Listener smtp") && out[0].contains("up"), out[0]);
        }
        String[] out = new String[1];
        assertEquals(6, mailctl(env, out, "status", "--json"), out[0]);
        assertTrue(out[0].contains("\"up\":false") && out[0].contains("no answer from /health/ready"), out[0]);
    }

    private static int mailctl(Map<String, String> env, String[] output, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Mailctl.run(args, new ByteArrayInputStream(new byte[0]), o, e, env);
        }
        output[0] = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        return code;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
