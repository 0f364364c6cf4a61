package io.mailserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics}: the counters move when mail is sent and retrieved, and only trusted networks may read them. */
class MetricsTest {
    @TempDir
    Path dir;

    @Test
    void countersMoveWithTrafficAndOnlyTrustedNetworksSeeThem() throws Exception {
        Map<String, String> keys = new HashMap<>();
        keys.put("server.data-dir", dir.resolve("data").toString());
        keys.put("server.hostname", "mx.example.test");
        keys.put("smtp.listen", "127.0.0.1:0");
        keys.put("pop3.listen", "127.0.0.1:0");
        keys.put("submission.listen", "");
        keys.put("smtps.listen", "");
        keys.put("pop3s.listen", "");
        keys.put("http.listen", "127.0.0.1:0");
        keys.put("https.listen", "");
        keys.put("network.trusted", "127.0.0.1/32");
        keys.put("pop3.plaintext-auth", "loopback");
        keys.put("auth.checks", "false");
        keys.put("auth.reverse-dns", "false");
        try (MailServer server = MailServer.start(ServerConfig.fromMap(keys))) {
            server.store().domains().add("example.test");
            server.store().users().add(MailAddress.parse("alice@example.test"), null, "alice-pw".toCharArray());
            String before = curl(server, "127.0.0.1");
            double accepted = value(before, "smtp_messages_accepted_total\\{listener=\"mx\"}");
            double logins = value(before, "mail_logins_total\\{outcome=\"success\",protocol=\"pop3\"}");
            double failed = value(before, "mail_logins_total\\{outcome=\"failed\",protocol=\"pop3\"}");
            double rejected = value(before, "smtp_recipients_rejected_total\\{reason=\"5.1.1\"}");

            dialog(server.smtp().port(), "EHLO client.test", "MAIL FROM:<bob@far.test>", "RCPT TO:<nobody@example.test>",
                    "RCPT TO:<alice@example.test>", "DATA", "Subject: counted\r\n\r\nhello\r\n.", "QUIT");
            dialog(server.pop3().port(), "USER alice@example.test", "PASS wrong", "QUIT");
            dialog(server.pop3().port(), "USER alice@example.test", "PASS alice-pw", "RETR 1", "QUIT");

            String after = curl(server, "127.0.0.1");
            assertEquals(accepted + 1, value(after, "smtp_messages_accepted_total\\{listener=\"mx\"}"), after);
            assertEquals(logins + 1, value(after, "mail_logins_total\\{outcome=\"success\",protocol=\"pop3\"}"), after);
            assertEquals(failed + 1, value(after, "mail_logins_total\\{outcome=\"failed\",protocol=\"pop3\"}"), after);
            assertEquals(rejected + 1, value(after, "smtp_recipients_rejected_total\\{reason=\"5.1.1\"}"), after);
            for (String present : List.of("mail_connections{listener=\"smtp\"}", "outbound_queue_rows{state=\"queued\"}",
                    "store_group_commit_batch_size_count", "store_sync_seconds_count", "hikaricp_connections_active",
                    "jvm_memory_used_bytes", "jvm_gc_", "smtp_message_bytes_accepted_total")) {
                assertTrue(after.contains(present), present + " missing from /metrics");
            }
            // from an address outside network.trusted
            assertTrue(curl(server, "127.0.0.2").contains("403"), "non-trusted client must get 403");
        }
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static String curl(MailServer server, String from) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--interface", from, "-w", "\n%{http_code}",
                "http://127.0.0.1:" + server.web().httpPort() + "/metrics"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    /** Sends each line and reads what comes back until the next line can go (a short pause is enough on loopback). */
    private static void dialog(int port, String... lines) throws IOException, InterruptedException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            in.readLine(); // greeting
            for (String line : lines) {
                out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String reply = in.readLine();
                while (reply != null && (reply.matches("\\d{3}-.*") || line.startsWith("RETR") && !reply.equals("."))) {
                    reply = in.readLine();
                }
            }
        }
    }
}
