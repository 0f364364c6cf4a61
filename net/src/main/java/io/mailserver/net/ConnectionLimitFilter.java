package io.mailserver.net;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;

/**
 * Limits connections per listener and per client address. A connection over a limit gets the
 * protocol's "too busy" reply (e.g. {@code 421 ...} or {@code -ERR [SYS/TEMP] ...}) and is closed; the
 * handler never sees it. Addresses for which {@code exempt} is true (trusted networks) skip the
 * per-address limit, as Postfix exempts {@code mynetworks}.
 */
public final class ConnectionLimitFilter extends IoFilterAdapter {
    /** What the reply to a refused connection says, by reason. */
    public interface Refusal {
        String reply(boolean perAddress);
    }

    private static final String COUNTED = ConnectionLimitFilter.class.getName() + ".counted";
    private static final String REFUSED = ConnectionLimitFilter.class.getName() + ".refused";

    private final int maxTotal;
    private final int maxPerAddress;
    private final Predicate<InetAddress> exempt;
    private final Refusal refusal;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    public ConnectionLimitFilter(int maxTotal, int maxPerAddress, Predicate<InetAddress> exempt, Refusal refusal) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
        this.exempt = exempt;
        this.refusal = refusal;
    }

    public int current() {
        return total.get();
    }

    @Override
    public void sessionOpened(NextFilter next, IoSession session) throws Exception {
        InetAddress address = remote(session);
        int now = total.incrementAndGet();
        AtomicInteger mine = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
        int fromAddress = mine.incrementAndGet();
        session.setAttribute(COUNTED, address);
        boolean overTotal = now > maxTotal;
        boolean overAddress = !overTotal && fromAddress > maxPerAddress && !exempt.test(address);
        if (overTotal || overAddress) {
            session.setAttribute(REFUSED, Boolean.TRUE);
            byte[] reply = refusal.reply(overAddress).getBytes(StandardCharsets.US_ASCII);
            session.write(IoBuffer.wrap(reply));
            session.closeOnFlush();
            return;
        }
        next.sessionOpened(session);
    }

    @Override
    public void sessionClosed(NextFilter next, IoSession session) throws Exception {
        Object counted = session.removeAttribute(COUNTED);
        if (counted instanceof InetAddress address) {
            total.decrementAndGet();
            perAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
        if (!refused(session)) {
            next.sessionClosed(session);
        }
    }

    @Override
    public void messageReceived(NextFilter next, IoSession session, Object message) throws Exception {
        if (!refused(session)) {
            next.messageReceived(session, message);
        }
    }

    @Override
    public void messageSent(NextFilter next, IoSession session, WriteRequest request) throws Exception {
        if (!refused(session)) {
            next.messageSent(session, request);
        }
    }

    @Override
    public void sessionIdle(NextFilter next, IoSession session, IdleStatus status) throws Exception {
        if (!refused(session)) {
            next.sessionIdle(session, status);
        } else {
            session.closeNow();
        }
    }

    @Override
    public void exceptionCaught(NextFilter next, IoSession session, Throwable cause) throws Exception {
        if (!refused(session)) {
            next.exceptionCaught(session, cause);
        } else {
            session.closeNow();
        }
    }

    private static boolean refused(IoSession session) {
        return session.containsAttribute(REFUSED);
    }

    static InetAddress remote(IoSession session) {
        return ClientAddress.addressOf(session);
    }
}
