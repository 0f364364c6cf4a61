package io.mailserver.net.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PROXY protocol header (HAProxy's specification, versions 1 and 2) at the start of a connection: parsed
 * from the bytes received so far, it is complete, needs more bytes, or is malformed. Only what the server needs
 * is kept: the client's address and port, or none for a proxy's own connection (v2 LOCAL, v1 UNKNOWN, or an
 * address family other than TCP over IPv4/IPv6), which then counts as the proxy's.
 */
public final class ProxyHeader {
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** v1: "PROXY TCP6 " + two full IPv6 addresses + two ports + CRLF fits in 107 bytes (the specification's limit). */
    static final int V1_MAX = 107;
    /** v2: the 16-byte fixed part and the addresses, plus TLVs (HAProxy adds a few when configured to); more is refused. */
    static final int V2_MAX_BODY = 2048;
    private static final Pattern V1 = Pattern.compile(
            "PROXY (?:(TCP4|TCP6) ([0-9A-Fa-f.:]+) ([0-9A-Fa-f.:]+) (\\d{1,5}) (\\d{1,5})|UNKNOWN[^\r\n]*)\r\n");
    private static final Pattern IPV4 = Pattern.compile("(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

    /** The outcome of looking at the bytes so far. */
    public sealed interface Result permits Complete, NeedMore, Malformed {}

    /** @param client empty for the proxy's own connection; {@code length} bytes of the buffer were the header */
    public record Complete(Optional<InetSocketAddress> client, int length) implements Result {}

    public record NeedMore() implements Result {}

    public record Malformed(String reason) implements Result {}

    private ProxyHeader() {}

    /** True when {@code bytes} begin like either version's header (used to refuse one from a client that is no proxy). */
    public static boolean looksLikeHeader(ByteBuffer bytes) {
        return bytes.remaining() >= V1_PREFIX.length && startsWith(bytes, V1_PREFIX, V1_PREFIX.length)
                || bytes.remaining() >= V2_SIGNATURE.length && startsWith(bytes, V2_SIGNATURE, V2_SIGNATURE.length);
    }

    /** Parses from {@code bytes}' position without moving it. */
    public static Result parse(ByteBuffer bytes) {
        int n = bytes.remaining();
        if (n == 0) {
            return new NeedMore();
        }
        if (startsWith(bytes, V2_SIGNATURE, Math.min(n, V2_SIGNATURE.length))) {
            return n < V2_SIGNATURE.length ? new NeedMore() : parseV2(bytes);
        }
        if (startsWith(bytes, V1_PREFIX, Math.min(n, V1_PREFIX.length))) {
            return n < V1_PREFIX.length ? new NeedMore() : parseV1(bytes);
        }
        return new Malformed("no PROXY protocol header");
    }

    private static Result parseV1(ByteBuffer bytes) {
        int start = bytes.position();
        int limit = Math.min(bytes.limit(), start + V1_MAX);
        for (int i = start; i < limit - 1; i++) {
            if (bytes.get(i) == '\r' && bytes.get(i + 1) == '\n') {
                byte[] line = new byte[i + 2 - start];
                bytes.duplicate().get(line);
                Matcher m = V1.matcher(new String(line, StandardCharsets.US_ASCII));
                if (!m.matches()) {
                    return new Malformed("malformed v1 header");
                }
                if (m.group(1) == null) {
                    return new Complete(Optional.empty(), line.length); // UNKNOWN: the proxy's own connection
                }
                Optional<InetAddress> source = literal(m.group(2), m.group(1).equals("TCP4"));
                int port = Integer.parseInt(m.group(4));
                if (source.isEmpty() || port > 65535 || Integer.parseInt(m.group(5)) > 65535 || literal(m.group(3), m.group(1).equals("TCP4")).isEmpty()) {
                    return new Malformed("malformed address in v1 header");
                }
                return new Complete(Optional.of(new InetSocketAddress(source.get(), port)), line.length);
            }
        }
        return bytes.remaining() >= V1_MAX ? new Malformed("v1 header without CRLF in " + V1_MAX + " bytes") : new NeedMore();
    }

    private static Result parseV2(ByteBuffer bytes) {
        if (bytes.remaining() < 16) {
            return new NeedMore();
        }
        int p = bytes.position();
        int versionCommand = bytes.get(p + 12) & 0xFF;
        int family = bytes.get(p + 13) & 0xFF;
        int length = ((bytes.get(p + 14) & 0xFF) << 8) | (bytes.get(p + 15) & 0xFF);
        if (versionCommand >> 4 != 2) {
            return new Malformed("v2 header of version " + (versionCommand >> 4));
        }
        int command = versionCommand & 0x0F;
        if (command > 1) {
            return new Malformed("v2 header with command " + command);
        }
        if (length > V2_MAX_BODY) {
            return new Malformed("v2 header of " + length + " bytes");
        }
        if (bytes.remaining() < 16 + length) {
            return new NeedMore();
        }
        int total = 16 + length;
        if (command == 0) {
            return new Complete(Optional.empty(), total); // LOCAL: health check of the proxy itself
        }
        int addressBytes = switch (family) {
            case 0x11 -> 4;  // TCP over IPv4
            case 0x21 -> 16; // TCP over IPv6
            default -> 0;    // UNSPEC, UDP, unix sockets: nothing this server can use as a client address
        };
        if (addressBytes == 0) {
            return new Complete(Optional.empty(), total);
        }
        if (length < 2 * addressBytes + 4) {
            return new Malformed("v2 header too short for its addresses");
        }
        byte[] source = new byte[addressBytes];
        for (int i = 0; i < addressBytes; i++) {
            source[i] = bytes.get(p + 16 + i);
        }
        int portAt = p + 16 + 2 * addressBytes;
        int port = ((bytes.get(portAt) & 0xFF) << 8) | (bytes.get(portAt + 1) & 0xFF);
        try {
            return new Complete(Optional.of(new InetSocketAddress(InetAddress.getByAddress(source), port)), total);
        } catch (UnknownHostException impossible) {
            return new Malformed("bad address length");
        }
    }

    /** An IP literal, never a name: nothing here may cause a DNS lookup. */
    private static Optional<InetAddress> literal(String text, boolean v4) {
        if (v4 ? !IPV4.matcher(text).matches() : (text.indexOf(':') < 0 || !text.matches("[0-9A-Fa-f:.]+"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean startsWith(ByteBuffer bytes, byte[] prefix, int count) {
        for (int i = 0; i < count; i++) {
            if (bytes.get(bytes.position() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
