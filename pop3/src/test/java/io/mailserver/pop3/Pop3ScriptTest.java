package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.mailserver.store.User;

/** Runs the C:/S: dialog scripts of {@code src/test/resources/scripts/pop3} (format in the README there). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Pop3ScriptTest {
    static final List<String[]> MESSAGES = List.of(
            new String[] {"sender@remote.test", "Subject: first\r\n\r\nHello Alice.\r\n.a line that starts with a dot\r\n"},
            new String[] {"", "Subject: second\r\n\r\nbounce text\r\n"},
            new String[] {"sender@remote.test", "Subject: third\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nline 1\r\nline 2 caf\u00e9\r\n"});

    private static final Pattern LINE = Pattern.compile("([CS])(\\d*):(?: (.*))?");

    static Stream<String> scripts() throws IOException, URISyntaxException {
        URL dir = Pop3ScriptTest.class.getResource("/scripts/pop3");
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".txt")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void script(String name) throws IOException {
        List<String> lines;
        try (InputStream in = Pop3ScriptTest.class.getResourceAsStream("/scripts/pop3/" + name)) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        try (Pop3Fixture f = Pop3Fixture.start()) {
            User alice = f.addUser("alice@example.test", "pw-a");
            f.addUser("bob@example.test", "pw-b");
            for (String[] m : MESSAGES) {
                f.deliver(m[0], m[1].getBytes(StandardCharsets.UTF_8), alice);
            }
            Map<String, Pop3TestClient> clients = new HashMap<>();
            try {
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    Matcher m = LINE.matcher(line);
                    if (!m.matches()) {
                        fail(name + ":" + (i + 1) + ": not a script line: " + line);
                    }
                    String text = m.group(3) == null ? "" : m.group(3);
                    Pop3TestClient c = clients.computeIfAbsent(m.group(2), k -> open(f.port()));
                    String where = name + ":" + (i + 1);
                    if (m.group(1).equals("C")) {
                        c.send(text);
                    } else if (text.equals("<closed>")) {
                        assertTrue(c.closedByServer(), where + ": expected the server to close the connection");
                    } else {
                        String got = c.pendingGreeting != null ? c.takeGreeting() : c.readLine();
                        assertTrue(got != null && got.matches(text), where + ": expected /" + text + "/, got " + got);
                    }
                }
            } finally {
                clients.values().forEach(Pop3TestClient::close);
            }
        }
    }

    /** Opens a client whose greeting is served as the first "S:" line of the script. */
    private static Pop3TestClient open(int port) {
        Pop3TestClient c = new Pop3TestClient(port);
        c.pendingGreeting = c.greeting;
        return c;
    }
}
