package io.mailserver.mta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scripted dialogs over a real socket, byte for byte. Script lines (src/test/resources/scripts/smtp):
 * <pre>
 *   # config: key = value    configuration for this script's server
 *   C: text                  the client sends text + CRLF in its own write
 *   P: text                  pipelined: collected and sent in one write before the next S line
 *   S: text                  the server's next line is exactly text + CRLF
 *   S~ regex                 the server's next line (without CRLF) matches regex
 *   S: &lt;closed&gt;              the server closed the connection
 * </pre>
 */
class SmtpScriptsTest {
    static Stream<String> scripts() throws IOException {
        try (InputStream in = SmtpScriptsTest.class.getResourceAsStream("/scripts/smtp/")) {
            Path dir = Path.of(SmtpScriptsTest.class.getResource("/scripts/smtp/").getPath());
            try (Stream<Path> files = Files.list(dir)) {
                return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".txt")).sorted().toList().stream();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    @Timeout(30)
    void script(String name) throws IOException {
        List<String> lines;
        try (InputStream in = getClass().getResourceAsStream("/scripts/smtp/" + name)) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        Map<String, String> config = new HashMap<>();
        for (String l : lines) {
            if (l.startsWith("# config:")) {
                String kv = l.substring("# config:".length());
                int eq = kv.indexOf('=');
                config.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
            }
        }
        try (SmtpTestServer server = SmtpTestServer.start(config); RawSmtp client = server.connect()) {
            StringBuilder pipelined = new StringBuilder();
            int n = 0;
            for (String l : lines) {
                n++;
                String where = name + ":" + n;
                if (l.startsWith("C:")) {
                    client.write(text(l) + "\r\n");
                } else if (l.startsWith("P:")) {
                    pipelined.append(text(l)).append("\r\n");
                } else if (l.startsWith("S:") || l.startsWith("S~")) {
                    if (pipelined.length() > 0) {
                        client.write(pipelined.toString());
                        pipelined.setLength(0);
                    }
                    String got = client.readLine();
                    String want = text(l);
                    if (want.equals("<closed>")) {
                        assertNull(got, where + ": expected the server to close");
                    } else if (l.startsWith("S:")) {
                        assertEquals(want + "\r\n", got, where);
                    } else {
                        assertTrue(got != null && got.endsWith("\r\n") && got.substring(0, got.length() - 2).matches(want),
                                where + ": " + got + " does not match " + want);
                    }
                }
            }
        }
    }

    private static String text(String line) {
        return line.length() > 3 ? line.substring(3) : "";
    }
}
