package io.mailserver.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.config.ServerConfig;
import io.mailserver.mta.SmtpService;
import io.mailserver.pop3.Pop3Service;
import io.mailserver.testkit.TempStore;

/**
 * End to end through both listeners and one store: a message with leading-dot lines and 8-bit text
 * sent over SMTP comes back from POP3 byte for byte (after the Return-Path and Received lines the
 * server adds), with LIST giving its exact size.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SmtpToPop3Test {

    /** The message as the sender means it (before SMTP dot-stuffing). */
    private static final byte[] MESSAGE = ("From: Bob <bob@remote.test>\r\n"
            + "To: alice@example.test\r\n"
            + "Subject: dots and 8-bit\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
            + ".a line that starts with a dot\r\n"
            + "..two dots\r\n"
            + ".\r\n"
            + "caf\u00e9, na\u00efve, \u65e5\u672c\u8a9e\r\n"
            + "last line\r\n").getBytes(StandardCharsets.UTF_8);

    @Test
    void messageSentThroughSmtpIsRetrievedByteExactThroughPop3() throws Exception {
        try (TempStore temp = TempStore.create()) {
            temp.addUser("alice@example.test", "alice-pw");
            Map<String, String> keys = new HashMap<>();
            keys.put("server.data-dir", temp.dataDir().toString());
            keys.put("server.hostname", "mx.example.test");
            keys.put("smtp.listen", "127.0.0.1:0");
            keys.put("pop3.listen", "127.0.0.1:0");
            keys.put("http.listen", "127.0.0.1:0");
            keys.put("https.listen", "127.0.0.1:0");
            keys.put("smtp.check-sender-domain", "false");
            keys.put("tls.allow-plaintext-auth", "true"); // this test is about bytes, not TLS: log in over loopback in plaintext
            ServerConfig config = ServerConfig.fromMap(keys);
            SmtpService smtp = SmtpService.start(config, temp.store());
            Pop3Service pop3 = Pop3Service.start(config, temp.store());
            try {
                send(smtp.port());
                byte[] retrieved;
                try (Socket s = new Socket("127.0.0.1", pop3.port())) {
                    s.setSoTimeout(15_000);
                    InputStream in = new BufferedInputStream(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    assertTrue(line(in).startsWith("+OK"));
                    out.write("USER alice@example.test\r\nPASS alice-pw\r\nLIST 1\r\nRETR 1\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(line(in).startsWith("+OK"));
                    assertTrue(line(in).startsWith("+OK Logged in; maildrop has 1 message"));
                    String list = line(in);
                    assertTrue(line(in).startsWith("+OK "));
                    retrieved = unstuff(body(in));
                    assertEquals("+OK 1 " + retrieved.length, list, "LIST size is what RETR delivers before stuffing");
                    out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertTrue(line(in).startsWith("+OK"));
                }
                String text = new String(retrieved, StandardCharsets.UTF_8);
                assertTrue(text.startsWith("Return-Path: <bob@remote.test>\r\nReceived: from "), text);
                byte[] tail = Arrays.copyOfRange(retrieved, retrieved.length - MESSAGE.length, retrieved.length);
                assertArrayEquals(MESSAGE, tail, "the message itself comes back byte for byte");
            } finally {
                pop3.shutdown(Duration.ofSeconds(2));
                smtp.shutdown(Duration.ofSeconds(2));
            }
        }
    }

    private static void send(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            assertTrue(line(in).startsWith("220 "));
            out.write("EHLO client.remote.test\r\n".getBytes(StandardCharsets.US_ASCII));
            String l;
            do {
                l = line(in);
            } while (l.startsWith("250-"));
            assertTrue(l.startsWith("250 "), l);
            command(out, in, "MAIL FROM:<bob@remote.test> BODY=8BITMIME", "250");
            command(out, in, "RCPT TO:<alice@example.test>", "250");
            command(out, in, "DATA", "354");
            // RFC 5321 4.5.2: the sender stuffs lines that begin with a dot
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            for (String part : new String(MESSAGE, StandardCharsets.UTF_8).split("(?<=\r\n)")) {
                if (part.startsWith(".")) {
                    data.write('.');
                }
                data.writeBytes(part.getBytes(StandardCharsets.UTF_8));
            }
            data.writeBytes(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(data.toByteArray());
            String reply = line(in);
            assertTrue(reply.startsWith("250 "), reply);
            command(out, in, "QUIT", "221");
        }
    }

    private static void command(OutputStream out, InputStream in, String cmd, String expect) throws IOException {
        out.write((cmd + "\r\n").getBytes(StandardCharsets.US_ASCII));
        String reply = line(in);
        assertTrue(reply.startsWith(expect), cmd + " -> " + reply);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        for (int c; (c = in.read()) >= 0; prev = c) {
            if (c == '\n' && prev == '\r') {
                byte[] bytes = b.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        throw new IOException("connection closed");
    }

    /** A POP3 multi-line body up to and including CRLF.CRLF. */
    private static byte[] body(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed");
            }
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if ((n == 3 && a[0] == '.' && a[1] == '\r' && a[2] == '\n')
                    || (n >= 5 && a[n - 5] == '\r' && a[n - 4] == '\n' && a[n - 3] == '.' && a[n - 2] == '\r' && a[n - 1] == '\n')) {
                return a;
            }
        }
    }

    private static byte[] unstuff(byte[] raw) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (int i = 0; i < raw.length - 3; i++) {
            if (lineStart && raw[i] == '.') {
                lineStart = false;
                continue;
            }
            b.write(raw[i]);
            lineStart = raw[i] == '\n';
        }
        return b.toByteArray();
    }
}
