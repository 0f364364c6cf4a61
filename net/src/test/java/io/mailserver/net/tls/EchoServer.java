package io.mailserver.net.tls;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;

import io.mailserver.config.HostPort;
import io.mailserver.session.Line;
import io.mailserver.net.Listener;
import io.mailserver.session.TlsInfo;

/**
 * A throwaway line server with SMTP-shaped replies, enough for {@code openssl s_client -starttls smtp}: a 220
 * greeting, EHLO offering STARTTLS, STARTTLS, INFO (the negotiated TLS), QUIT; every other line is echoed back.
 */
final class EchoServer implements AutoCloseable {
    final Listener listener;
    private final StartTls startTls;

    private EchoServer(Listener listener, StartTls startTls) {
        this.listener = listener;
        this.startTls = startTls;
    }

    static EchoServer plain(ServerTls tls) throws IOException {
        return start(tls, false);
    }

    static EchoServer implicit(ServerTls tls) throws IOException {
        return start(tls, true);
    }

    private static EchoServer start(ServerTls tls, boolean implicit) throws IOException {
        StartTls startTls = new StartTls(tls);
        Handler handler = new Handler(startTls);
        Listener.Options options = new Listener.Options("echo", HostPort.parse("127.0.0.1:0"), 1000, 1000, a -> true,
                perAddress -> "421 busy\r\n", Duration.ofSeconds(30), 2048, 4, implicit ? tls.newFilter() : null);
        return new EchoServer(Listener.start(options, handler), startTls);
    }

    int port() {
        return listener.port();
    }

    @Override
    public void close() {
        listener.close();
    }

    /** A message of the server's own, delivered with {@link Listener#signal}. */
    record Signal(String name) {
    }

    private static final class Handler extends IoHandlerAdapter {
        private final StartTls startTls;

        Handler(StartTls startTls) {
            this.startTls = startTls;
        }

        @Override
        public void sessionOpened(IoSession session) {
            session.write("220 echo ready\r\n");
        }

        @Override
        public void messageReceived(IoSession session, Object message) {
            if (message instanceof Signal signal) {
                session.write("250 signal " + signal.name() + "\r\n");
                return;
            }
            String text = ((Line) message).text();
            String verb = text.toUpperCase(Locale.ROOT);
            if (verb.startsWith("EHLO")) {
                session.write(StartTls.isActive(session) ? "250-echo\r\n250 8BITMIME\r\n" : "250-echo\r\n250 STARTTLS\r\n");
            } else if (verb.equals("STARTTLS")) {
                if (StartTls.isActive(session)) {
                    session.write("503 5.5.1 TLS already active\r\n");
                } else {
                    startTls.begin(session, "220 2.0.0 go ahead\r\n");
                }
            } else if (verb.equals("INFO")) {
                session.write("250 " + StartTls.info(session).map(TlsInfo::receivedComment).orElse("plain") + "\r\n");
            } else if (verb.equals("QUIT")) {
                StartTls.closeAfter(session, "221 bye\r\n");
            } else {
                session.write("250 echo: " + text + "\r\n");
            }
        }

        @Override
        public void sessionIdle(IoSession session, IdleStatus status) {
            session.closeNow();
        }

        @Override
        public void exceptionCaught(IoSession session, Throwable cause) {
            if (TlsFailureLog.isTlsFailure(cause)) {
                session.closeOnFlush(); // lets the TLS alert out
            } else {
                session.closeNow();
            }
        }
    }
}
