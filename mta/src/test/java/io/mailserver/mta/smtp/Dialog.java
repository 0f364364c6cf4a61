package io.mailserver.mta.smtp;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.mailserver.config.ServerConfig;
import io.mailserver.session.Line;

/**
 * Drives an {@link SmtpProtocol} without a network: text goes in as the client would send it in one
 * write (split into lines the way the strict decoder does, with the same "more buffered" flag), and the
 * replies come back as the wire text.
 */
final class Dialog {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-07-01T10:00:00Z"), ZoneOffset.UTC);

    final SmtpContext context;
    final SmtpProtocol protocol;
    boolean closed;
    final List<Outcome> outcomes = new ArrayList<>();

    Dialog(FakeStore store, Map<String, String> config, String clientIp) {
        this(new SmtpContext(SmtpSettings.from(ServerConfig.fromMap(withHost(config))).withErrorDelay(java.time.Duration.ZERO), store, CLOCK),
                clientIp, ListenerProfile.MX);
    }

    Dialog(SmtpContext context, String clientIp, ListenerProfile profile) {
        this.context = context;
        InetAddress ip;
        try {
            ip = InetAddress.getByName(clientIp);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        boolean trusted = ServerConfig.fromMap(Map.of()).isTrusted(ip);
        this.protocol = new SmtpProtocol(context, new SmtpSession("TEST", ip, trusted, profile));
    }

    private static Map<String, String> withHost(Map<String, String> config) {
        Map<String, String> m = new java.util.HashMap<>(config);
        m.putIfAbsent("server.hostname", "mx.example.test");
        return m;
    }

    String greeting() {
        return protocol.greeting().toWire();
    }

    /** Sends {@code text} as one client write; returns every reply it caused, concatenated. */
    String send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    String send(byte[] bytes) {
        StringBuilder replies = new StringBuilder();
        for (Line line : split(bytes, 8192)) {
            Outcome o = protocol.onLine(line);
            outcomes.add(o);
            replies.append(o.wire());
            if (o.close()) {
                closed = true;
            }
        }
        return replies.toString();
    }

    /** Line framing as {@link io.mailserver.net.LineDecoder} does it, for one buffer. */
    static List<Line> split(byte[] b, int fragment) {
        List<Line> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < b.length) {
            if (b[i] == '\n') {
                out.add(line(b, start, i, Line.Ending.BARE_LF, i + 1 < b.length));
                start = i = i + 1;
            } else if (b[i] == '\r' && i + 1 < b.length && b[i + 1] == '\n') {
                out.add(line(b, start, i, Line.Ending.CRLF, i + 2 < b.length));
                start = i = i + 2;
            } else if (b[i] == '\r' && i + 1 < b.length) {
                out.add(line(b, start, i, Line.Ending.BARE_CR, true));
                start = i = i + 1;
            } else if (i - start + 1 >= fragment) {
                out.add(line(b, start, i + 1, Line.Ending.NONE, i + 1 < b.length));
                start = i = i + 1;
            } else {
                i++;
            }
        }
        if (start < b.length) {
            throw new IllegalArgumentException("test input must end with a line ending");
        }
        return out;
    }

    private static Line line(byte[] b, int from, int to, Line.Ending ending, boolean more) {
        byte[] bytes = new byte[to - from];
        System.arraycopy(b, from, bytes, 0, bytes.length);
        return new Line(bytes, ending, more);
    }

    /** Sends each line in its own write (as a non-pipelining client does) and returns the replies. */
    String each(String... lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(send(l + "\r\n"));
        }
        return sb.toString();
    }

    Outcome last() {
        return outcomes.get(outcomes.size() - 1);
    }
}
