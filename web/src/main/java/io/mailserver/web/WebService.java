package io.mailserver.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import io.mailserver.session.Printable;
import io.mailserver.net.tls.ServerTls;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web-facing side of the server on the JDK's own HTTP server: client autoconfiguration (Thunderbird,
 * Autodiscover), the MTA-STS policy of each local domain, and health checks for supervisors and load balancers.
 * Plain HTTP and HTTPS serve the same paths, except the MTA-STS policy, which RFC 8461 allows over HTTPS only.
 * Unknown paths are 404, errors are a status line and one sentence (never a stack trace), request bodies are
 * capped, and each client address gets a bounded number of requests per minute.
 */
public final class WebService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebService.class);

    static final int MAX_BODY = 16 * 1024;
    static final int REQUESTS_PER_MINUTE = 120;
    private static final String XML = "application/xml; charset=utf-8";
    private static final String TEXT = "text/plain; charset=utf-8";

    static {
        // the JDK server reads these once, when its first instance is made: bound how long a client may take to
        // send a request and to read the answer (its defaults wait for ever), unless the operator set them
        setIfAbsent("sun.net.httpserver.maxReqTime", "30");
        setIfAbsent("sun.net.httpserver.maxRspTime", "30");
        // answers are one small write each; without this Nagle's algorithm holds them for the client's delayed ACK
        setIfAbsent("sun.net.httpserver.nodelay", "true");
    }

    private final ServerConfig config;
    private final MailStore store;
    private final ClientSettings clients;
    private final BooleanSupplier listenersUp;
    private final Supplier<String> metrics;
    private final RequestRate rate;
    private final ThreadPoolExecutor workers;
    private HttpServer http;
    private HttpsServer https;

    private WebService(ServerConfig config, MailStore store, ClientSettings clients, BooleanSupplier listenersUp, Supplier<String> metrics,
                       int requestsPerMinute) {
        this.metrics = metrics;
        this.rate = new RequestRate(requestsPerMinute, Clock.systemUTC());
        this.config = config;
        this.store = store;
        this.clients = clients;
        this.listenersUp = listenersUp;
        AtomicInteger n = new AtomicInteger();
        // a few threads are plenty for documents of a kilobyte; they retire when idle
        workers = new ThreadPoolExecutor(4, 4, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        workers.allowCoreThreadTimeOut(true);
    }

    /**
     * Binds {@code http.listen} and {@code https.listen} (each may be off).
     * @param clients     the mail listeners actually bound, as the documents name them
     * @param listenersUp true while every mail listener is bound (readiness)
     * @param metrics     the Prometheus text of {@code /metrics} (for trusted networks only)
     */
    public static WebService start(ServerConfig config, MailStore store, ServerTls tls, ClientSettings clients,
                                   BooleanSupplier listenersUp, Supplier<String> metrics) throws IOException {
        return start(config, store, tls, clients, listenersUp, metrics, REQUESTS_PER_MINUTE);
    }

    static WebService start(ServerConfig config, MailStore store, ServerTls tls, ClientSettings clients,
                            BooleanSupplier listenersUp, Supplier<String> metrics, int requestsPerMinute) throws IOException {
        WebService web = new WebService(config, store, clients, listenersUp, metrics, requestsPerMinute);
        try {
            Optional<HostPort> plain = config.httpListen();
            if (plain.isPresent()) {
                web.http = HttpServer.create(plain.get().toSocketAddress(), 64);
                web.serve(web.http, false);
                log.info("http listening on {}", web.http.getAddress());
            }
            Optional<HostPort> secure = config.httpsListen();
            if (secure.isPresent()) {
                web.https = HttpsServer.create(secure.get().toSocketAddress(), 64);
                web.https.setHttpsConfigurator(new HttpsConfigurator(new ReloadingSslContext(tls)) {
                    @Override
                    public void configure(HttpsParameters params) {
                        // the same protocol and cipher policy as the mail listeners
                        params.setSSLParameters(tls.newEngine().getSSLParameters());
                    }
                });
                web.serve(web.https, true);
                log.info("https listening on {}", web.https.getAddress());
            }
        } catch (IOException | RuntimeException e) {
            web.close();
            throw e;
        }
        return web;
    }

    /** The bound HTTP port (with {@code http.listen} on port 0), or -1 when off. */
    public int httpPort() {
        return http == null ? -1 : http.getAddress().getPort();
    }

    public int httpsPort() {
        return https == null ? -1 : https.getAddress().getPort();
    }

    private void serve(HttpServer server, boolean secure) {
        server.setExecutor(workers);
        server.createContext("/", exchange -> handle(exchange, secure));
        server.start();
    }

    private void handle(HttpExchange exchange, boolean secure) throws IOException {
        try (exchange) {
            if (!rate.allow(exchange.getRemoteAddress().getAddress())) {
                respond(exchange, 429, TEXT, "too many requests from this address; try again in a minute\n");
                return;
            }
            route(exchange, secure);
        } catch (IOException e) {
            log.debug("http exchange with {} ended: {}", exchange.getRemoteAddress(), e.toString());
        } catch (RuntimeException e) {
            log.warn("http {} {} from {} failed: {}", exchange.getRequestMethod(), Printable.forLog(exchange.getRequestURI().getRawPath()),
                    exchange.getRemoteAddress(), e.toString(), e);
            try {
                respond(exchange, 500, TEXT, "internal error\n");
            } catch (IOException | RuntimeException alreadyAnswered) {
                log.debug("could not send 500: {}", alreadyAnswered.toString());
            }
        }
    }

    private void route(HttpExchange exchange, boolean secure) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (path == null) {
            respond(exchange, 400, TEXT, "bad request\n");
            return;
        }
        switch (path.toLowerCase(Locale.ROOT)) {
            case "/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml" -> {
                if (get(exchange, method)) {
                    autoconfig(exchange);
                }
            }
            case "/autodiscover/autodiscover.xml" -> {
                if ("POST".equals(method)) {
                    autodiscover(exchange);
                } else {
                    notAllowed(exchange, "POST");
                }
            }
            case "/.well-known/mta-sts.txt" -> {
                if (get(exchange, method)) {
                    mtaSts(exchange, secure);
                }
            }
            case "/health/live" -> {
                if (get(exchange, method)) {
                    respond(exchange, 200, TEXT, "live\n");
                }
            }
            case "/metrics" -> {
                if (get(exchange, method)) {
                    metrics(exchange);
                }
            }
            case "/health/ready" -> {
                if (get(exchange, method)) {
                    ready(exchange);
                }
            }
            default -> respond(exchange, 404, TEXT, "not found\n");
        }
    }

    /** GET (and HEAD) only; anything else is 405. */
    private static boolean get(HttpExchange exchange, String method) throws IOException {
        if ("GET".equals(method) || "HEAD".equals(method)) {
            return true;
        }
        notAllowed(exchange, "GET, HEAD");
        return false;
    }

    private static void notAllowed(HttpExchange exchange, String allow) throws IOException {
        exchange.getResponseHeaders().set("Allow", allow);
        respond(exchange, 405, TEXT, "method not allowed\n");
    }

    /**
     * The domain comes from {@code emailaddress=} when the client sends it (Thunderbird does on autoconfig.DOMAIN),
     * else from the host it asked for, without an {@code autoconfig.} in front.
     */
    private void autoconfig(HttpExchange exchange) throws IOException {
        Optional<String> domain = queryParameter(exchange, "emailaddress")
                .map(a -> a.substring(a.lastIndexOf('@') + 1))
                .or(() -> host(exchange).map(h -> h.startsWith("autoconfig.") ? h.substring("autoconfig.".length()) : h));
        Optional<String> local = domain.map(d -> d.toLowerCase(Locale.ROOT)).filter(store.domains()::isLocal);
        if (local.isEmpty()) {
            respond(exchange, 404, TEXT, "no mail domain of that name here\n");
            return;
        }
        respond(exchange, 200, XML, ThunderbirdAutoconfig.render(local.get(), clients));
    }

    private void autodiscover(HttpExchange exchange) throws IOException {
        byte[] body = readBody(exchange);
        if (body == null) {
            respond(exchange, 413, TEXT, "request too large\n");
            return;
        }
        MailAddress address;
        try {
            address = Autodiscover.requestedAddress(body);
        } catch (IOException e) {
            log.info("autodiscover request from {} refused: {}", exchange.getRemoteAddress(), Printable.forLog(e.getMessage()));
            respond(exchange, 400, TEXT, "bad Autodiscover request\n");
            return;
        }
        // only the domain is checked: whether the user exists is not told to anyone who asks
        if (!store.domains().isLocal(address.domain())) {
            respond(exchange, 404, TEXT, "no mail domain of that name here\n");
            return;
        }
        respond(exchange, 200, XML, Autodiscover.render(address, clients));
    }

    private void mtaSts(HttpExchange exchange, boolean secure) throws IOException {
        Optional<String> domain = host(exchange).filter(h -> h.startsWith("mta-sts."))
                .map(h -> h.substring("mta-sts.".length())).filter(store.domains()::isLocal);
        // RFC 8461 3.3: the policy is fetched over HTTPS only; "none" publishes nothing to enforce
        if (!secure || domain.isEmpty()) {
            respond(exchange, 404, TEXT, "not found\n");
            return;
        }
        respond(exchange, 200, TEXT, MtaStsPolicy.render(config.mtaStsMode(), config.hostname(), config.mtaStsMaxAge()));
    }

    /** Prometheus scrapes from the operator's network; anyone else learns nothing about the traffic (403). */
    private void metrics(HttpExchange exchange) throws IOException {
        if (!config.isTrusted(exchange.getRemoteAddress().getAddress())) {
            respond(exchange, 403, TEXT, "metrics are served to network.trusted only\n");
            return;
        }
        respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
    }

    private void ready(HttpExchange exchange) throws IOException {
        boolean storeUp = store.isAvailable();
        boolean listeners = listenersUp.getAsBoolean();
        if (storeUp && listeners) {
            respond(exchange, 200, TEXT, "ready\n");
        } else {
            respond(exchange, 503, TEXT, "not ready:" + (storeUp ? "" : " store unreachable") + (listeners ? "" : " listeners down") + "\n");
        }
    }

    /** The body, or null when it is longer than {@link #MAX_BODY} (read no further than that). */
    private static byte[] readBody(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        byte[] body = in.readNBytes(MAX_BODY + 1);
        return body.length > MAX_BODY ? null : body;
    }

    /** The Host header's name, lower case, without port or trailing dot. */
    private static Optional<String> host(HttpExchange exchange) {
        String host = exchange.getRequestHeaders().getFirst("Host");
        if (host == null || host.isBlank()) {
            return Optional.empty();
        }
        host = host.trim().toLowerCase(Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon > 0 && !host.endsWith("]")) {
            host = host.substring(0, colon);
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        return Optional.of(host);
    }

    private static Optional<String> queryParameter(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            return Optional.empty();
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equalsIgnoreCase(name)) {
                try {
                    return Optional.of(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8)).filter(v -> !v.isBlank());
                } catch (IllegalArgumentException malformed) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
        }
        if (https != null) {
            https.stop(0);
        }
        workers.shutdownNow();
    }
}
