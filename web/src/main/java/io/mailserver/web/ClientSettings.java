package io.mailserver.web;

import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a mail client needs to know to use this server: its host name and the listeners actually configured,
 * in the order a client should prefer them (implicit TLS first, RFC 8314 3). Every autoconfiguration document
 * is rendered from this one value, so they cannot disagree with each other or with the configuration.
 */
public record ClientSettings(String hostname, List<Endpoint> incoming, List<Endpoint> outgoing) {

    /** How a client secures a connection: TLS from the first byte, or STARTTLS/STLS before logging in. */
    public enum Security { IMPLICIT_TLS, STARTTLS }

    public record Endpoint(int port, Security security) {}

    public ClientSettings {
        incoming = List.copyOf(incoming);
        outgoing = List.copyOf(outgoing);
    }

    /** From the configured listen addresses (what mailctl knows without a running server). */
    public static ClientSettings from(ServerConfig config) {
        return of(config.hostname(), port(config.pop3sListen()), port(config.pop3Listen()),
                port(config.smtpsListen()), port(config.submissionListen()));
    }

    /** From ports known to be bound (the running server's, which differ from the configuration's when it says port 0). */
    public static ClientSettings of(String hostname, OptionalInt pop3s, OptionalInt pop3, OptionalInt smtps, OptionalInt submission) {
        List<Endpoint> incoming = new ArrayList<>();
        pop3s.ifPresent(p -> incoming.add(new Endpoint(p, Security.IMPLICIT_TLS)));
        pop3.ifPresent(p -> incoming.add(new Endpoint(p, Security.STARTTLS)));
        List<Endpoint> outgoing = new ArrayList<>();
        smtps.ifPresent(p -> outgoing.add(new Endpoint(p, Security.IMPLICIT_TLS)));
        submission.ifPresent(p -> outgoing.add(new Endpoint(p, Security.STARTTLS)));
        return new ClientSettings(hostname, incoming, outgoing);
    }

    private static OptionalInt port(Optional<HostPort> listen) {
        return listen.map(hp -> OptionalInt.of(hp.port())).orElse(OptionalInt.empty());
    }

    /** The endpoint a client should use when it can take only one. */
    public Optional<Endpoint> preferredIncoming() {
        return incoming.stream().findFirst();
    }

    public Optional<Endpoint> preferredOutgoing() {
        return outgoing.stream().findFirst();
    }
}
