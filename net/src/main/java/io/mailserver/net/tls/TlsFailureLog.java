package io.mailserver.net.tls;

import java.io.IOException;

import javax.net.ssl.SSLException;

import org.apache.mina.core.session.AttributeKey;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRejectedException;
import org.apache.mina.filter.ssl.SslFilter;
import org.slf4j.Logger;

/**
 * Logs the TLS failure that ends a session: once per session, with the exception's class, message and cause chain,
 * at a level that says whose fault it is. MINA's TLS layer reports one failure several times (the stored error, then
 * an {@code IllegalStateException("closed")} for every later read or write), so only the first gets a real line;
 * the rest go to DEBUG.
 *
 * <ul>
 * <li>DEBUG: the connection or its TLS session had already ended (the client reset or closed without close_notify,
 *     sent bytes after the TLS session ended; MINA refusing writes it still held when the session closed);</li>
 * <li>INFO: the client's TLS was refused (bad handshake, no common protocol or cipher, bad record): worth knowing,
 *     nothing for the operator to fix;</li>
 * <li>WARN, with the stack trace: anything else raised by MINA's TLS layer, e.g. a {@code BufferOverflowException}
 *     from overfilling its write queue: a fault on the server's side.</li>
 * </ul>
 */
public final class TlsFailureLog {
    private static final AttributeKey LOGGED = new AttributeKey(TlsFailureLog.class, "logged");
    private static final String MINA_TLS_PACKAGE = SslFilter.class.getPackageName() + ".";

    /** Who is at fault for a TLS failure, which decides the level. */
    public enum Fault {
        /** The connection or its TLS session had already ended: the client hung up, or the session is closing. */
        CLOSED,
        /** The client's TLS was refused. */
        CLIENT,
        /** The server (this code or MINA's) failed. */
        SERVER
    }

    private TlsFailureLog() {
    }

    /**
     * True when {@code cause} came from TLS on the session: an {@link SSLException} anywhere in the chain, or any
     * exception thrown inside MINA's TLS filter. Close such a session with {@code closeOnFlush()}, not
     * {@code closeNow()}, so that a TLS alert telling the client why still goes out.
     */
    public static boolean isTlsFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException || thrownByMinaTls(t)) {
                return true;
            }
        }
        return false;
    }

    /** Whose fault {@code cause}, a TLS failure, is: the first telling exception in its chain decides. */
    public static Fault faultOf(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                // "... before receiving peer's close_notify": the JDK's words for a peer that just hung up
                return String.valueOf(t.getMessage()).contains("close_notify") ? Fault.CLOSED : Fault.CLIENT;
            }
            if (t instanceof IOException) {
                return Fault.CLOSED;
            }
            if (t instanceof WriteRejectedException) {
                // MINA's TLS filter dropping writes it still held because the session is closing: a consequence
                return Fault.CLOSED;
            }
            if (t instanceof IllegalStateException && "closed".equals(t.getMessage()) && thrownByMinaTls(t)) {
                // MINA: bytes arrived after the TLS session had ended (the client's close_notify, or an earlier failure)
                return Fault.CLOSED;
            }
        }
        return Fault.SERVER;
    }

    /**
     * Logs {@code cause}, a TLS failure on {@code session}: at INFO or WARN if it is the session's first such line,
     * else at DEBUG. {@code what} names the service ("pop3", "smtp"), {@code client} the peer as the service logs it.
     */
    public static void log(Logger log, IoSession session, String what, Object client, Throwable cause) {
        String text = describe(cause);
        Fault fault = faultOf(cause);
        if (fault == Fault.CLOSED) {
            log.debug("{} TLS connection with {} already closed: {}", what, client, text);
        } else if (session.setAttributeIfAbsent(LOGGED, Boolean.TRUE) != null) {
            log.debug("{} TLS failure with {} (seen again): {}", what, client, text);
        } else if (fault == Fault.CLIENT) {
            log.info("{} TLS failure with {}: {}", what, client, text);
        } else {
            log.warn("{} TLS failure with {}, a fault on the server's side; closing the connection: {}", what, client, text, cause);
        }
    }

    /** {@code class: message} for the exception and each of its causes, "; caused by " between them. */
    public static String describe(Throwable cause) {
        StringBuilder text = new StringBuilder();
        int depth = 0;
        for (Throwable t = cause; t != null && depth < 10; t = t.getCause(), depth++) {
            if (depth > 0) {
                text.append("; caused by ");
            }
            text.append(t.getClass().getName());
            if (t.getMessage() != null) {
                text.append(": ").append(t.getMessage());
            }
        }
        return text.toString();
    }

    private static boolean thrownByMinaTls(Throwable t) {
        StackTraceElement[] frames = t.getStackTrace();
        return frames.length > 0 && frames[0].getClassName().startsWith(MINA_TLS_PACKAGE);
    }
}
