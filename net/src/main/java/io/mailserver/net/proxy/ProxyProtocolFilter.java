package io.mailserver.net.proxy;

import io.mailserver.net.ClientAddress;
import io.mailserver.session.Printable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Predicate;
import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first filter of a listener behind a load balancer. A connection from a configured proxy must begin with
 * a PROXY protocol header (v1 or v2); until it is complete the rest of the chain does not know the session
 * exists (no greeting, no connection count, no TLS handshake: with implicit TLS the header comes before the
 * ClientHello), then the client address it names is set ({@link ClientAddress}) and the session opens as if the
 * client had connected directly. A proxy connection without a valid header, or one that does not finish it
 * within {@link #HEADER_TIMEOUT_SECONDS}, is closed without a word: nothing can be said to a client whose
 * address is unknown. A connection from anywhere else that starts with a header is closed too (it is trying to
 * choose its own address).
 */
public final class ProxyProtocolFilter extends IoFilterAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolFilter.class);
    static final int HEADER_TIMEOUT_SECONDS = 10;
    private static final String PENDING = ProxyProtocolFilter.class.getName() + ".pending";
    private static final String DIRECT_UNCHECKED = ProxyProtocolFilter.class.getName() + ".direct";
    private static final String IDLE_BEFORE = ProxyProtocolFilter.class.getName() + ".idle";

    private final String listener;
    private final Predicate<InetAddress> proxies;

    public ProxyProtocolFilter(String listener, Predicate<InetAddress> proxies) {
        this.listener = listener;
        this.proxies = proxies;
    }

    @Override
    public void sessionOpened(NextFilter next, IoSession session) throws Exception {
        InetAddress peer = session.getRemoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
        if (peer != null && proxies.test(peer)) {
            session.setAttribute(PENDING, IoBuffer.allocate(128).setAutoExpand(true));
            session.setAttribute(IDLE_BEFORE, session.getConfig().getReaderIdleTime());
            session.getConfig().setReaderIdleTime(HEADER_TIMEOUT_SECONDS);
            return; // opened for the rest of the chain once the header is in
        }
        session.setAttribute(DIRECT_UNCHECKED, Boolean.TRUE);
        next.sessionOpened(session);
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        IoBuffer pending = (IoBuffer) session.getAttribute(PENDING);
        if (pending != null && message instanceof IoBuffer in) {
            pending.put(in);
            headerBytes(next, session, pending);
            return;
        }
        if (session.removeAttribute(DIRECT_UNCHECKED) != null && message instanceof IoBuffer in
                && ProxyHeader.looksLikeHeader(in.buf().duplicate())) {
            log.warn("{}: a PROXY protocol header from {}, which is not a configured proxy: connection closed", listener,
                    session.getRemoteAddress());
            session.closeNow();
            return;
        }
        next.messageReceived(session, message);
    }

    private void headerBytes(NextFilter next, IoSession session, IoBuffer pending) throws Exception {
        IoBuffer view = pending.duplicate().flip();
        ProxyHeader.Result result = ProxyHeader.parse(view.buf());
        if (result instanceof ProxyHeader.NeedMore) {
            return;
        }
        session.removeAttribute(PENDING);
        if (result instanceof ProxyHeader.Malformed bad) {
            log.warn("{}: proxy {} sent no valid PROXY protocol header ({}): connection closed", listener,
                    session.getRemoteAddress(), Printable.forLog(bad.reason()));
            session.closeNow();
            return;
        }
        ProxyHeader.Complete header = (ProxyHeader.Complete) result;
        header.client().ifPresent(client -> session.setAttribute(ClientAddress.ATTRIBUTE, client));
        Object idle = session.removeAttribute(IDLE_BEFORE);
        session.getConfig().setReaderIdleTime(idle instanceof Integer seconds ? seconds : 0);
        log.debug("{}: {} via proxy {}", listener, ClientAddress.of(session), session.getRemoteAddress());
        next.sessionOpened(session);
        if (view.remaining() > header.length()) {
            // what followed the header in the same reads: the client's first bytes (a ClientHello, a command)
            IoBuffer rest = view.position(view.position() + header.length()).slice();
            next.messageReceived(session, IoBuffer.allocate(rest.remaining()).put(rest).flip());
        }
    }

    @Override
    public void sessionIdle(NextFilter next, IoSession session, IdleStatus status) throws Exception {
        if (session.containsAttribute(PENDING)) {
            log.info("{}: proxy {} sent no PROXY protocol header within {} s: connection closed", listener,
                    session.getRemoteAddress(), HEADER_TIMEOUT_SECONDS);
            session.closeNow();
            return;
        }
        next.sessionIdle(session, status);
    }

    /** Events of a session the rest of the chain never saw opened stop here. */
    private static boolean unopened(IoSession session) {
        return session.containsAttribute(PENDING) || session.containsAttribute(IDLE_BEFORE);
    }

    @Override
    public void sessionClosed(NextFilter next, IoSession session) throws Exception {
        if (!unopened(session)) {
            next.sessionClosed(session);
        }
    }

    @Override
    public void exceptionCaught(NextFilter next, IoSession session, Throwable cause) throws Exception {
        if (unopened(session)) {
            session.closeNow();
            return;
        }
        next.exceptionCaught(session, cause);
    }

    @Override
    public void messageSent(NextFilter next, IoSession session, WriteRequest request) throws Exception {
        if (!unopened(session)) {
            next.messageSent(session, request);
        }
    }
}
