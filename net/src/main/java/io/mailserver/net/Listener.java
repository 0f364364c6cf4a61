package io.mailserver.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.DefaultIoFilterChainBuilder;
import org.apache.mina.core.filterchain.IoFilter;
import org.apache.mina.core.service.IoHandler;
import org.apache.mina.core.session.IdleStatus;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.ProtocolCodecFilter;
import org.apache.mina.filter.executor.ExecutorFilter;
import org.apache.mina.filter.executor.OrderedThreadPoolExecutor;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.config.Cidr;
import io.mailserver.config.HostPort;
import io.mailserver.net.proxy.ProxyProtocolFilter;
import io.mailserver.net.proxy.ProxyProtocolFilter;
import io.mailserver.net.tls.StartTlsGuard;

/**
 * A MINA TCP listener set up the way docs/design.md (contract 5) asks: listen backlog 4096 (it asks for about 1,024; see the comment at setBacklog), TCP_NODELAY,
 * strict line codec, a per-listener and per-address connection limit, and an ordered executor so
 * the protocol handler (which talks to the database) never runs on an I/O thread while one
 * session's events stay in order; a session whose waiting input passes {@link #READ_HIGH_WATER} of heap stops
 * being read until its handler catches up ({@link ReadThrottle}), so no client can fill the heap.
 *
 * <p>Filter chain: [tls (implicit TLS, or added by STARTTLS)] → limits → starttls-gate → codec → [protocol
 * filters] → executor → starttls-fence → handler. The gate and the fence keep plaintext pipelined after
 * STARTTLS/STLS out of the protocol ({@link StartTlsGuard}); on a session that never upgrades they only pass
 * events on.
 */
public final class Listener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Listener.class);

    /**
     * How to set up one listener. {@code implicitTls} is null for plain listeners; {@code proxySources} says which
     * peers put a PROXY protocol header first (null: none, the listener takes no header from anyone).
     */
    public record Options(String name, HostPort address, int maxConnections, int maxConnectionsPerAddress,
                          Predicate<InetAddress> exemptFromPerAddressLimit, ConnectionLimitFilter.Refusal refusal,
                          Duration idleTimeout, int lineFragmentSize, int handlerThreads, IoFilter implicitTls,
                          Predicate<InetAddress> proxySources) {

        /** A listener without a load balancer in front. */
        public Options(String name, HostPort address, int maxConnections, int maxConnectionsPerAddress,
                       Predicate<InetAddress> exemptFromPerAddressLimit, ConnectionLimitFilter.Refusal refusal,
                       Duration idleTimeout, int lineFragmentSize, int handlerThreads, IoFilter implicitTls) {
            this(name, address, maxConnections, maxConnectionsPerAddress, exemptFromPerAddressLimit, refusal, idleTimeout,
                    lineFragmentSize, handlerThreads, implicitTls, null);
        }
    }

    public static final String PROXY_FILTER = "proxy-protocol";

    /** A listener's configured PROXY protocol sources as {@link Options#proxySources()}: null when there are none. */
    public static Predicate<InetAddress> proxySources(List<Cidr> from) {
        return from.isEmpty() ? null : address -> from.stream().anyMatch(c -> c.contains(address));
    }

    public static final String TLS_FILTER = io.mailserver.net.tls.StartTls.FILTER_NAME;
    public static final String LIMIT_FILTER = "limits";
    public static final String CODEC_FILTER = "codec";
    public static final String EXECUTOR_FILTER = "executor";
    public static final String STARTTLS_GATE_FILTER = "starttls-gate";
    public static final String STARTTLS_FENCE_FILTER = "starttls-fence";

    /**
     * Heap that the decoded input of one session may take while it waits for its handler, beyond which reading
     * pauses (see {@link ReadThrottle}): with the fragment, the parked read and a TLS record this makes the
     * per-connection bound stated in docs/reliability.md. About 110 KB of DATA lines of 76 bytes, plenty to keep
     * a handler busy while reading resumes.
     */
    static final long READ_HIGH_WATER = 256 * 1024;
    static final long READ_LOW_WATER = 64 * 1024;
    /** MINA grows a session's read buffer up to this while reads fill it; a read paused mid-way is parked whole. */
    static final int MAX_READ_BUFFER = 64 * 1024;

    private final String name;
    private final NioSocketAcceptor acceptor;
    private final OrderedThreadPoolExecutor executor;
    private final ConnectionLimitFilter limits;

    private Listener(String name, NioSocketAcceptor acceptor, OrderedThreadPoolExecutor executor, ConnectionLimitFilter limits) {
        this.name = name;
        this.acceptor = acceptor;
        this.executor = executor;
        this.limits = limits;
    }

    public static Listener start(Options o, IoHandler handler) throws IOException {
        return start(o, handler, Map.of());
    }

    /**
     * As {@link #start(Options, IoHandler)}, with protocol filters placed between the codec and the
     * executor: they see each decoded message on the I/O thread, in arrival order, so they must be
     * cheap and never block (SMTP uses one to spot clients that talk before the greeting).
     */
    public static Listener start(Options o, IoHandler handler, Map<String, IoFilter> ioThreadFilters) throws IOException {
        NioSocketAcceptor acceptor = new NioSocketAcceptor();
        // both must be set before bind(): MINA throws IllegalStateException afterwards
        // MINA's default backlog of 50 collapses throughput under bursts of connects; 1,024 still let a cold
        // server drop part of a 10,000-connection burst (bench: 7,548 greeted in 10 s). The kernel caps it at
        // net.core.somaxconn (4,096 on current kernels).
        acceptor.setBacklog(4096);
        acceptor.setReuseAddress(true);
        acceptor.getSessionConfig().setTcpNoDelay(true);
        acceptor.getSessionConfig().setReadBufferSize(8192);
        acceptor.getSessionConfig().setMaxReadBufferSize(MAX_READ_BUFFER);
        acceptor.getSessionConfig().setIdleTime(IdleStatus.READER_IDLE, (int) Math.max(1, o.idleTimeout().toSeconds()));
        acceptor.setCloseOnDeactivation(true);

        ConnectionLimitFilter limits = new ConnectionLimitFilter(o.maxConnections(), o.maxConnectionsPerAddress(),
                o.exemptFromPerAddressLimit(), o.refusal());
        ReadThrottle throttle = new ReadThrottle(READ_HIGH_WATER, READ_LOW_WATER, Listener::decodeParked);
        OrderedThreadPoolExecutor executor = new OrderedThreadPoolExecutor(0, o.handlerThreads(), 60, TimeUnit.SECONDS,
                r -> {
                    Thread t = new Thread(r, o.name() + "-handler");
                    t.setDaemon(true);
                    return t;
                }, throttle);
        DefaultIoFilterChainBuilder chain = acceptor.getFilterChain();
        if (o.proxySources() != null) {
            // first of all: the header comes before anything else on the wire, a TLS ClientHello included
            chain.addLast(PROXY_FILTER, new ProxyProtocolFilter(o.name(), o.proxySources()));
        }
        if (o.implicitTls() != null) {
            chain.addLast(TLS_FILTER, o.implicitTls());
        }
        LineDecoder decoder = new LineDecoder(o.lineFragmentSize(), throttle);
        StartTlsGuard guard = new StartTlsGuard(decoder);
        chain.addLast(LIMIT_FILTER, limits);
        chain.addLast(STARTTLS_GATE_FILTER, guard.gate());
        chain.addLast(CODEC_FILTER, new ProtocolCodecFilter(new ReplyEncoder(), decoder));
        ioThreadFilters.forEach(chain::addLast);
        chain.addLast(EXECUTOR_FILTER, new ExecutorFilter(executor));
        chain.addLast(STARTTLS_FENCE_FILTER, guard.fence());
        acceptor.setHandler(handler);
        InetSocketAddress bindTo = o.address().toSocketAddress();
        try {
            acceptor.bind(bindTo);
        } catch (IOException e) {
            acceptor.dispose();
            executor.shutdownNow();
            throw new IOException(o.name() + ": cannot listen on " + o.address() + ": " + e.getMessage(), e);
        }
        Listener listener = new Listener(o.name(), acceptor, executor, limits);
        log.info("{} listening on {}", o.name(), listener.localAddress());
        return listener;
    }

    /**
     * Hands {@code message} (not client input: e.g. a shutdown signal) to the session's handler, in order with
     * the lines already decoded. Unlike {@code fireMessageReceived} it skips the TLS filter, which takes only
     * bytes, and the codec. Works on sessions of any {@link Listener}.
     */
    public static void signal(IoSession session, Object message) {
        StartTlsGuard.of(session).ifPresentOrElse(guard -> guard.inject(session, message),
                () -> session.getFilterChain().fireMessageReceived(message));
    }

    /**
     * Bytes the throttle parked go back to the codec where they left the chain: after the STARTTLS gate (whose lock
     * orders them with the I/O thread's decoding) and after the TLS filter, which decrypted them already.
     */
    private static void decodeParked(IoSession session, IoBuffer bytes) {
        StartTlsGuard.of(session).ifPresent(guard -> guard.inject(session, bytes));
    }

    public InetSocketAddress localAddress() {
        return acceptor.getLocalAddress();
    }

    public int port() {
        return localAddress().getPort();
    }

    public String name() {
        return name;
    }

    public int connections() {
        return limits.current();
    }

    public NioSocketAcceptor acceptor() {
        return acceptor;
    }

    /** Stops accepting new connections; sessions in progress go on. */
    public void stopAccepting() {
        if (acceptor.isActive()) {
            acceptor.setCloseOnDeactivation(false);
            acceptor.unbind();
        }
    }

    /** Closes every session and frees the threads. */
    @Override
    public void close() {
        stopAccepting();
        acceptor.getManagedSessions().values().forEach(s -> s.closeNow());
        acceptor.dispose(true);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
