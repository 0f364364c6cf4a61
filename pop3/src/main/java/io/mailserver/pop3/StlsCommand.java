package io.mailserver.pop3;

/**
 * {@code STLS} (RFC 2595 4): switches the connection to TLS in the AUTHORIZATION state. The {@code +OK} leaves in
 * plaintext; the transport then starts the handshake and drops anything the client pipelined behind the command
 * (it must not run as if sent under TLS: the CVE-2011-0411 class of injection). The session forgets the USER
 * name it may have been given; the client asks CAPA again under TLS.
 */
final class StlsCommand implements Pop3Command {
    @Override
    public Pop3Reply execute(Pop3Session session, CommandLine line) {
        if (line.rawArgument().length > 0) {
            return Pop3Reply.error("Syntax: STLS");
        }
        if (session.tlsActive()) {
            return Pop3Reply.error("Command not permitted when TLS active"); // RFC 2595 4
        }
        session.resetForTls();
        return Pop3Reply.startTls("Begin TLS negotiation");
    }
}
