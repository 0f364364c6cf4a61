package io.mailserver.net.tls;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import javax.net.ssl.SSLSession;

import org.apache.mina.core.filterchain.IoFilterChain;
import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.ssl.SslFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.mailserver.session.TlsInfo;

/**
 * TLS on a MINA session, for protocol adapters: switching a plaintext session to TLS (SMTP STARTTLS, RFC 3207;
 * POP3 STLS, RFC 2595), what was negotiated, and closing cleanly.
 *
 * <p>The switch follows the idiom measured to work with an ExecutorFilter on MINA 2.2 (writing the 220 first and
 * adding the filter after it failed 8 of 300 handshakes): the TLS filter goes first in the chain, then the go-ahead
 * reply is written as a {@code DisableEncryptWriteRequest} so it leaves unencrypted although the filter is in place; the client's ClientHello can then never arrive before the filter.
 * Plaintext that the client pipelined after the command is dropped by {@link StartTlsGuard} (which every
 * {@code io.mailserver.net.Listener} installs), so the protocol only has to reset its own state, as RFC 3207 4.2
 * and RFC 2595 4 ask, and wait for the next command.
 */
public final class StartTls {
    private static final Logger log = LoggerFactory.getLogger(StartTls.class);

    /** The name of the TLS filter in a session's chain (the same for implicit TLS). */
    public static final String FILTER_NAME = "tls";

    private final SslFilter filter;

    public StartTls(ServerTls tls) {
        this.filter = tls.newFilter();
    }

    /**
     * Switches the session to TLS: sends {@code reply} (a complete reply with its CRLF, e.g.
     * {@code "220 2.0.0 Ready to start TLS\r\n"}) in plaintext and expects the handshake next. Call it on the
     * handler's thread while handling the command, instead of writing the reply; write nothing else until the next
     * command arrives, which will have come under TLS.
     *
     * @throws IllegalStateException when TLS is already on, or the listener has no {@link StartTlsGuard}
     */
    public void begin(IoSession session, String reply) {
        IoFilterChain chain = session.getFilterChain();
        if (chain.contains(SslFilter.class)) {
            throw new IllegalStateException("TLS is already active on this session");
        }
        StartTlsGuard guard = StartTlsGuard.of(session)
                .orElseThrow(() -> new IllegalStateException("the listener has no STARTTLS guard filter"));
        byte[] bytes = reply.getBytes(StandardCharsets.US_ASCII);
        try {
            guard.upgrade(session, () -> {
                chain.addFirst(FILTER_NAME, filter);
                chain.fireFilterWrite(new PlaintextWriteRequest(session, bytes));
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start TLS: " + e.getMessage(), e);
        }
    }

    /** True when a TLS filter is on the session (the handshake may still be going on). */
    public static boolean isActive(IoSession session) {
        return session.getFilterChain().contains(SslFilter.class);
    }

    /** True once the TLS handshake has completed. */
    public static boolean isSecured(IoSession session) {
        return session.getAttribute(SslFilter.SSL_SECURED) instanceof SSLSession;
    }

    /** True between STARTTLS (or the connection, for implicit TLS) and the end of the handshake. */
    public static boolean handshakePending(IoSession session) {
        return isActive(session) && !isSecured(session);
    }

    /** The negotiated protocol and cipher suite, once the handshake has completed. */
    public static Optional<TlsInfo> info(IoSession session) {
        if (session.getAttribute(SslFilter.SSL_SECURED) instanceof SSLSession ssl) {
            return Optional.of(new TlsInfo(ssl.getProtocol(), ssl.getCipherSuite()));
        }
        return Optional.empty();
    }

    /**
     * Writes the last reply (e.g. {@code 221}, {@code +OK} to QUIT, {@code 421}) and then closes. Under TLS, the
     * filter is removed once the reply is out, which sends close_notify; {@code closeOnFlush} alone would end the
     * connection without it and clients report an unexpected EOF (measured with real clients).
     */
    public static void closeAfter(IoSession session, Object lastReply) {
        WriteFuture written = session.write(lastReply);
        written.addListener(f -> close(session));
    }

    /** Closes the session, with a TLS close_notify when TLS is up; at once, when a handshake is still going on. */
    public static void close(IoSession session) {
        IoFilterChain chain = session.getFilterChain();
        if (!chain.contains(SslFilter.class)) {
            session.closeOnFlush();
            return;
        }
        if (!isSecured(session)) {
            session.closeNow(); // mid-handshake there is nothing to flush and no TLS session to close
            return;
        }
        try {
            chain.remove(SslFilter.class);
        } catch (RuntimeException e) {
            log.debug("{}: closing TLS: {}", session.getRemoteAddress(), e.toString());
        }
        session.closeOnFlush();
    }
}
