package io.mailserver.relay.client;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A server reply: the three-digit code and the text of each line (without code and separator). */
public record PeerReply(int code, List<String> lines) {
    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?:\\s|$)");

    public PeerReply {
        lines = List.copyOf(lines);
    }

    public boolean isPositive() {
        return code >= 200 && code < 400;
    }

    /** 4yz: try again later (RFC 5321 4.2.1). */
    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    /** 5yz: do not repeat. */
    public boolean isPermanent() {
        return code >= 500;
    }

    /**
     * The enhanced status code (RFC 3463) of the first line when its class matches the reply's, else one
     * derived from the code: {@code x.0.0}.
     */
    public String status() {
        if (!lines.isEmpty()) {
            Matcher m = ENHANCED.matcher(lines.get(0));
            if (m.find() && m.group(1).charAt(0) - '0' == code / 100) {
                return m.group(1) + "." + m.group(2) + "." + m.group(3);
            }
        }
        int cls = code / 100;
        return (cls == 2 || cls == 4 || cls == 5 ? cls : 4) + ".0.0";
    }

    /** The whole reply on one line, as logs and DSNs show it: {@code 550 5.1.1 No such user}. */
    public String oneLine() {
        StringBuilder sb = new StringBuilder().append(code);
        for (String line : lines) {
            sb.append(' ').append(line);
        }
        return printable(sb.toString().strip());
    }

    /** Replaces control characters and non-ASCII, so a remote reply cannot inject log lines or header fields. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 32 && c < 127 ? c : '?');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return oneLine();
    }
}
