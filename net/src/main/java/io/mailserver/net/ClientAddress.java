package io.mailserver.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.apache.mina.core.session.IoSession;

/**
 * The client's address of a session: the one a PROXY protocol header named (a load balancer in front), else the
 * socket's peer. Everything that decides by address (relay control, limits, login throttling, Received, logs)
 * asks here, never {@code IoSession.getRemoteAddress()} directly, so that a proxy's address is never taken for
 * its clients'.
 */
public final class ClientAddress {
    /** Set by {@link io.mailserver.net.proxy.ProxyProtocolFilter} before the session is opened. */
    public static final String ATTRIBUTE = ClientAddress.class.getName();

    private ClientAddress() {}

    public static InetSocketAddress of(IoSession session) {
        if (session.getAttribute(ATTRIBUTE) instanceof InetSocketAddress proxied) {
            return proxied;
        }
        if (session.getRemoteAddress() instanceof InetSocketAddress peer) {
            return peer;
        }
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    public static InetAddress addressOf(IoSession session) {
        return of(session).getAddress();
    }
}
