package io.mailserver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.config.ServerConfig;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MaildropEntry;
import io.mailserver.store.User;
import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher installs the inbound checks on the MX listener: with the server's DNS on loopback, a forged
 * message of a p=reject domain is refused, an honest one is stored under our Authentication-Results.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MailAuthenticationWiringTest {
    @TempDir
    Path dir;

    @Test
    void theServerChecksSpfAndDmarcOfInternetMail() throws Exception {
        try (LoopbackDnsServer dns = new LoopbackDnsServer()) {
            dns.txt("bank.example", "v=spf1 ip4:192.0.2.1 -all").txt("_dmarc.bank.example", "v=DMARC1; p=reject");
            dns.txt("honest.example", "v=spf1 ip4:127.0.0.1 -all").txt("_dmarc.honest.example", "v=DMARC1; p=reject");
            ServerConfig config = ServerConfig.fromMap(Map.of("server.data-dir", dir.resolve("data").toString(),
                    "server.hostname", "mx.example.test", "smtp.listen", "127.0.0.1:0", "submission.listen", "", "smtps.listen", "",
                    "pop3.listen", "", "pop3s.listen", "", "network.trusted", "10.9.9.0/24", "dns.resolver", "127.0.0.1:" + dns.address().port()));
            try (MailServer server = MailServer.start(config)) {
                server.store().domains().add("example.test");
                User alice = server.store().users().add(MailAddress.parse("alice@example.test"), null, "pw".toCharArray());
                int port = server.smtp().port();
                assertTrue(send(port, "news@bank.example").startsWith("550 5.7.1 "));
                assertTrue(send(port, "ann@honest.example").startsWith("250 "));
                List<MaildropEntry> drop = server.store().maildrops().snapshot(alice.id());
                assertEquals(1, drop.size());
                try (InputStream in = server.store().maildrops().open(alice.id(), drop.get(0).uid())) {
                    String m = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(m.startsWith("Return-Path: <ann@honest.example>\r\nAuthentication-Results: mx.example.test;\r\n"), m);
                    assertTrue(m.contains("\tdmarc=pass (p=reject; SPF aligned: honest.example) header.from=honest.example\r\n"), m);
                }
            }
        }
    }

    private static String send(int port, String from) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.US_ASCII);
            in.readLine();
            for (String c : new String[] {"HELO client.test", "MAIL FROM:<" + from + ">", "RCPT TO:<alice@example.test>", "DATA"}) {
                out.print(c + "\r\n");
                out.flush();
                String reply = in.readLine();
                assertTrue(reply.startsWith("2") || reply.startsWith("3"), c + ": " + reply);
            }
            out.print("From: <" + from + ">\r\nSubject: hi\r\n\r\nHello.\r\n.\r\n");
            out.flush();
            return in.readLine();
        }
    }
}
