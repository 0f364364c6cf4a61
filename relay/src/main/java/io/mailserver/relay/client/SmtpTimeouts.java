package io.mailserver.relay.client;

import java.time.Duration;

/**
 * How long the client waits for each reply (RFC 5321 4.5.3.2) and for the connection.
 * {@link #rfc5321(Duration)} gives the RFC's values; tests pass shorter ones.
 */
public record SmtpTimeouts(Duration connect, Duration greeting, Duration command, Duration mail, Duration rcpt,
                           Duration dataInit, Duration dataBlock, Duration dataTermination) {

    public static SmtpTimeouts rfc5321(Duration connect) {
        return new SmtpTimeouts(connect,
                Duration.ofMinutes(5),   // 4.5.3.2.1 initial 220 message
                Duration.ofMinutes(5),   // EHLO, STARTTLS, AUTH, RSET, QUIT: no RFC value; the server's own 5 min (4.5.3.2.7)
                Duration.ofMinutes(5),   // 4.5.3.2.2 MAIL
                Duration.ofMinutes(5),   // 4.5.3.2.3 RCPT
                Duration.ofMinutes(2),   // 4.5.3.2.4 DATA initiation
                Duration.ofMinutes(3),   // 4.5.3.2.5 data block: each write of the content
                Duration.ofMinutes(10)); // 4.5.3.2.6 DATA termination: the reply to "."
    }

    /** All reply timeouts set to one value, for tests. */
    public static SmtpTimeouts uniform(Duration connect, Duration reply) {
        return new SmtpTimeouts(connect, reply, reply, reply, reply, reply, reply, reply);
    }
}
