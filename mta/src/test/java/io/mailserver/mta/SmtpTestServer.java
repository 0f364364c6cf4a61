package io.mailserver.mta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.mailserver.config.ServerConfig;
import io.mailserver.mta.smtp.SmtpContext;
import io.mailserver.mta.smtp.SmtpSettings;
import io.mailserver.mta.smtp.check.InboundChecks;
import io.mailserver.mta.smtp.check.MailAuthChecks;
import io.mailserver.session.LoginThrottle;
import io.mailserver.net.tls.ServerTls;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.MaildropEntry;
import io.mailserver.store.User;
import io.mailserver.testkit.TempStore;

/**
 * The SMTP server on an ephemeral loopback port over a real temporary H2 store, with a small directory:
 * example.test with alice (Alice Liddell) and bob, the alias team@ (alice, bob, carol@remote.test), and
 * the empty local domain other.example.
 */
public final class SmtpTestServer implements AutoCloseable {
    public final TempStore temp;
    public final ServerConfig config;
    public final SmtpService service;
    public final User alice;
    public final User bob;
    /** The server's certificate when started with {@link #startSecure}, else null. */
    public ServerTls tls;

    private SmtpTestServer(TempStore temp, ServerConfig config, SmtpService service, User alice, User bob) {
        this.temp = temp;
        this.config = config;
        this.service = service;
        this.alice = alice;
        this.bob = bob;
    }

    /**
     * With TLS and AUTH: MX, submission and SMTPS on ephemeral ports, host name {@code localhost} so that the
     * self-signed certificate made in the data directory verifies by name; passwords are "pw".
     */
    public static SmtpTestServer startSecure(Map<String, String> overrides) {
        Map<String, String> keys = new HashMap<>(overrides);
        keys.putIfAbsent("server.hostname", "localhost");
        keys.putIfAbsent("submission.listen", "127.0.0.1:0");
        keys.putIfAbsent("smtps.listen", "127.0.0.1:0");
        keys.put("test.secure", "true");
        return start(keys);
    }

    public static SmtpTestServer start() {
        return start(Map.of());
    }

    /**
     * {@code overrides} are configuration keys; the error tarpit delay is off unless "test.error-delay" is given, and
     * passwords are hashed with the cheap test hasher unless "test.real-hashing" is given.
     */
    public static SmtpTestServer start(Map<String, String> overrides) {
        return start(overrides, null);
    }

    /** As {@link #start(Map)}, with the standard checks plus the mail-authentication ones {@code auth} makes from the configuration. */
    public static SmtpTestServer start(Map<String, String> overrides, Function<ServerConfig, MailAuthChecks> auth) {
        TempStore temp = overrides.containsKey("test.real-hashing") ? TempStore.createWithRealHashing() : TempStore.create();
        try {
            MailStore store = temp.store();
            store.domains().add("example.test");
            store.domains().add("other.example");
            User alice = store.users().add(MailAddress.parse("alice@example.test"), "Alice Liddell", "pw".toCharArray());
            User bob = store.users().add(MailAddress.parse("bob@example.test"), null, "pw".toCharArray());
            store.aliases().add(MailAddress.parse("team@example.test"), List.of(MailAddress.parse("alice@example.test"),
                    MailAddress.parse("bob@example.test"), MailAddress.parse("carol@remote.test")));
            Map<String, String> keys = new HashMap<>(overrides);
            String delay = keys.remove("test.error-delay");
            boolean secure = keys.remove("test.secure") != null;
            keys.remove("test.real-hashing");
            keys.putIfAbsent("smtp.listen", "127.0.0.1:0");
            keys.putIfAbsent("server.hostname", "mx.example.test");
            ServerConfig config = temp.config().with(keys);
            SmtpSettings settings = SmtpSettings.from(config).withErrorDelay(delay == null ? Duration.ZERO : Duration.parse(delay));
            SmtpContext context = auth == null ? new SmtpContext(settings, store, Clock.systemDefaultZone())
                    : new SmtpContext(settings, store, Clock.systemDefaultZone(),
                            InboundChecks.standard(settings, store, Optional.empty(), auth.apply(config)));
            if (!secure) {
                return new SmtpTestServer(temp, config, SmtpService.start(config, context), alice, bob);
            }
            ServerTls tls = ServerTls.fromConfig(config);
            LoginThrottle throttle = new LoginThrottle(config.maxAuthFailures(), LoginThrottle.DEFAULT_WINDOW, Clock.systemUTC());
            SmtpTestServer server = new SmtpTestServer(temp, config, SmtpService.start(config, context, tls, throttle), alice, bob);
            server.tls = tls;
            return server;
        } catch (IOException e) {
            temp.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            temp.close();
            throw e;
        }
    }

    public MailStore store() {
        return temp.store();
    }

    public int port() {
        return service.port();
    }

    public RawSmtp connect() {
        return RawSmtp.connect(port());
    }

    public List<MaildropEntry> maildrop(User user) {
        return store().maildrops().snapshot(user.id());
    }

    /** The newest message of a user's maildrop as POP3 would send it (Return-Path first). */
    public byte[] lastMessage(User user) {
        List<MaildropEntry> entries = maildrop(user);
        if (entries.isEmpty()) {
            throw new AssertionError("maildrop of " + user.address() + " is empty");
        }
        try (InputStream in = store().maildrops().open(user.id(), entries.get(entries.size() - 1).uid())) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Optional<User> user(String address) {
        return store().users().find(MailAddress.parse(address));
    }

    /** Messages in every maildrop plus queue rows: what "nothing stored" must find as zero. */
    public int storedCount() {
        int n = 0;
        for (User u : store().users().list(Optional.empty())) {
            n += maildrop(u).size();
        }
        return n + store().queue().list().size();
    }

    @Override
    public void close() {
        try {
            service.shutdown(Duration.ofSeconds(2));
        } finally {
            temp.close();
        }
    }
}
