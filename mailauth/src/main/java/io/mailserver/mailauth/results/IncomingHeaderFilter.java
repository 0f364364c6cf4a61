package io.mailserver.mailauth.results;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Streams a message's content through while reading its header section once:
 * <ul>
 * <li>removes every {@code Authentication-Results} field whose authserv-id is this server's (RFC 8601 5:
 *     such a field in incoming mail is forged, since only this server may claim that id); fields of
 *     other ids stay;</li>
 * <li>keeps the values of the {@code From} fields for DMARC.</li>
 * </ul>
 * Memory is bounded: a field is held back only until its name (and for Authentication-Results its
 * authserv-id) is known, at most {@value #MAX_UNDECIDED} octets; an Authentication-Results field still
 * undecided by then is removed. From values are kept up to {@value #MAX_FROM} octets each, at most
 * {@value #MAX_FROM_FIELDS} fields. The body passes through untouched. Expects CRLF line ends.
 */
public final class IncomingHeaderFilter extends OutputStream {
    static final int MAX_UNDECIDED = 4096;
    static final int MAX_FROM = 16 * 1024;
    static final int MAX_FROM_FIELDS = 10;
    private static final String AUTH_RESULTS = "authentication-results";

    private enum Field { NONE, PENDING, KEEP, DROP }

    private final OutputStream out;
    private final String authservId;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final List<String> fromValues = new ArrayList<>();
    private StringBuilder from;
    private Field field = Field.NONE;
    private boolean inBody;
    private boolean lineStart = true;
    private int removed;
    private int fromFields;

    public IncomingHeaderFilter(OutputStream out, String authservId) {
        this.out = out;
        this.authservId = authservId.toLowerCase(Locale.ROOT);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (inBody) {
                out.write(b, i, end - i);
                return;
            }
            headerByte(b[i]);
        }
    }

    private void headerByte(byte b) throws IOException {
        if (lineStart) {
            if (b == '\r' || b == '\n') {
                endField(); // the empty line: the header section is over (RFC 5322 2.1)
                inBody = true;
                out.write(b);
                return;
            }
            if (b != ' ' && b != '\t') {
                endField();
                field = Field.PENDING;
            }
            lineStart = false;
        }
        switch (field) {
            case KEEP -> {
                out.write(b);
                if (from != null && from.length() < MAX_FROM && b != '\r' && b != '\n') {
                    from.append((char) (b & 0xff));
                }
            }
            case PENDING -> {
                pending.write(b);
                decide(false);
            }
            case DROP, NONE -> { }
        }
        if (b == '\n') {
            lineStart = true;
        }
    }

    /** Decides what happens to the held-back field, once its name (and authserv-id) are known. */
    private void decide(boolean fieldComplete) throws IOException {
        byte[] held = pending.toByteArray();
        String text = new String(held, StandardCharsets.ISO_8859_1);
        int colon = text.indexOf(':');
        if (colon < 0) {
            if (fieldComplete || held.length > MAX_UNDECIDED) {
                keep(held, -1); // not a well-formed field: not ours to judge
            }
            return;
        }
        String name = text.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        if (!name.equals(AUTH_RESULTS)) {
            if (name.equals("from") && fromFields < MAX_FROM_FIELDS) {
                fromFields++;
                from = new StringBuilder();
            }
            keep(held, colon);
            return;
        }
        String id = authservId(text.substring(colon + 1), fieldComplete);
        if (id == null && held.length <= MAX_UNDECIDED && !fieldComplete) {
            return;
        }
        if (id == null || id.toLowerCase(Locale.ROOT).equals(authservId)) {
            field = Field.DROP;
            removed++;
            pending.reset();
        } else {
            keep(held, -1);
        }
    }

    private void keep(byte[] held, int colon) throws IOException {
        field = Field.KEEP;
        out.write(held);
        pending.reset();
        if (from != null && colon >= 0) {
            for (int i = colon + 1; i < held.length && from.length() < MAX_FROM; i++) {
                if (held[i] != '\r' && held[i] != '\n') {
                    from.append((char) (held[i] & 0xff));
                }
            }
        }
    }

    private void endField() throws IOException {
        if (field == Field.PENDING) {
            decide(true);
        }
        if (from != null) {
            fromValues.add(new String(from.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8).trim());
            from = null;
        }
        field = Field.NONE;
    }

    /**
     * The authserv-id at the start of an Authentication-Results value (RFC 8601 2.2: [CFWS] value, a token or
     * quoted-string), or null while it is not complete yet (and, once the field is complete, if there is none).
     */
    static String authservId(String v, boolean complete) {
        int i = 0;
        int n = v.length();
        while (i < n) {
            char c = v.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
            } else if (c == '(') {
                int depth = 0;
                for (; i < n; i++) {
                    char d = v.charAt(i);
                    if (d == '\\') {
                        i++;
                    } else if (d == '(') {
                        depth++;
                    } else if (d == ')' && --depth == 0) {
                        break;
                    }
                }
                if (i >= n) {
                    return null;
                }
                i++;
            } else {
                break;
            }
        }
        if (i >= n) {
            return null;
        }
        if (v.charAt(i) == '"') {
            StringBuilder sb = new StringBuilder();
            for (int j = i + 1; j < n; j++) {
                char c = v.charAt(j);
                if (c == '\\' && j + 1 < n) {
                    sb.append(v.charAt(++j));
                } else if (c == '"') {
                    return sb.toString();
                } else {
                    sb.append(c);
                }
            }
            return null;
        }
        int j = i;
        while (j < n && " \t\r\n;(".indexOf(v.charAt(j)) < 0) {
            j++;
        }
        return j < n || complete ? v.substring(i, j) : null;
    }

    /**
     * Call once the whole message has been written: a header section without a body (no empty line) ends
     * here, so its last field is decided and written.
     */
    public void finish() throws IOException {
        if (!inBody) {
            endField();
        }
        out.flush();
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** How many Authentication-Results fields claiming this server's authserv-id were removed. */
    public int removed() {
        return removed;
    }

    /** The values of the From fields seen (unfolded, trimmed), for {@code FromDomains}. */
    public List<String> fromValues() {
        return List.copyOf(fromValues);
    }
}
