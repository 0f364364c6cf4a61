package io.mailserver.relay;

import java.net.InetAddress;

/** One address to connect to: the host name (for logs and TLS SNI), its resolved address and the port. */
public record Hop(String hostName, InetAddress address, int port) {
    /** Postfix's form, which postmasters grep for: {@code mx.example.com[192.0.2.1]:25}. */
    @Override
    public String toString() {
        return hostName + "[" + address.getHostAddress() + "]:" + port;
    }
}
