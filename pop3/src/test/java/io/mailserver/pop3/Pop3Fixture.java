package io.mailserver.pop3;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.mailserver.config.ServerConfig;
import io.mailserver.net.tls.ServerTls;
import io.mailserver.store.Delivery;
import io.mailserver.store.User;
import io.mailserver.testkit.TempStore;

/**
 * A real H2 store in a temporary directory and a POP3 service on an ephemeral loopback port. Mail is
 * put into the store directly, as SMTP would (through {@code MessageStore.begin}).
 */
final class Pop3Fixture implements AutoCloseable {
    final TempStore temp;
    final Pop3Service pop3;
    final ServerConfig config;
    /** The certificate, when started with {@link #startSecure}. */
    ServerTls tls;

    private Pop3Fixture(TempStore temp, Pop3Service pop3, ServerConfig config) {
        this.temp = temp;
        this.pop3 = pop3;
        this.config = config;
    }

    static Pop3Fixture start() {
        return start(Map.of(), s -> s);
    }

    /**
     * With TLS: STLS on the plain port, POP3S on another, logins only under TLS, host name {@code localhost} so the
     * self-signed certificate made in the data directory verifies by name.
     */
    static Pop3Fixture startSecure() {
        return startSecure(Map.of());
    }

    /** As {@link #startSecure()} with more (or other) configuration keys. */
    static Pop3Fixture startSecure(Map<String, String> extraConfig) {
        Map<String, String> keys = new HashMap<>(Map.of("server.hostname", "localhost", "pop3s.listen", "127.0.0.1:0",
                "tls.allow-plaintext-auth", "false"));
        keys.putAll(extraConfig);
        keys.put("test.secure", "true");
        return start(keys, s -> s);
    }

    /** {@code extraConfig} may also hold "test.secure" (see {@link #startSecure}) and "test.real-hashing" (the production password hasher). */
    static Pop3Fixture start(Map<String, String> extraConfig, UnaryOperator<Pop3Settings> tweak) {
        TempStore temp = extraConfig.containsKey("test.real-hashing") ? TempStore.createWithRealHashing() : TempStore.create();
        try {
            Map<String, String> keys = new HashMap<>();
            keys.put("server.data-dir", temp.dataDir().toString());
            keys.put("server.hostname", "pop.example.test");
            keys.put("server.default-domain", "example.test");
            keys.put("pop3.listen", "127.0.0.1:0");
            keys.put("tls.allow-plaintext-auth", "true");
            keys.putAll(extraConfig);
            boolean secure = keys.remove("test.secure") != null;
            keys.remove("test.real-hashing");
            ServerConfig config = ServerConfig.fromMap(keys);
            // failed logins are slowed by 1 s in production; tests keep the shape with shorter delays
            Pop3Settings settings = tweak.apply(Pop3Settings.from(config)
                    .withAuthFailureDelay(Duration.ofMillis(20), Duration.ofMillis(100)).withErrorDelay(Duration.ofMillis(20)));
            if (!secure) {
                return new Pop3Fixture(temp, Pop3Service.start(config, temp.store(), settings), config);
            }
            ServerTls tls = ServerTls.fromConfig(config);
            Pop3Fixture fixture = new Pop3Fixture(temp, Pop3Service.start(config, temp.store(), settings, tls), config);
            fixture.tls = tls;
            return fixture;
        } catch (RuntimeException e) {
            temp.close();
            throw e;
        }
    }

    int port() {
        return pop3.port();
    }

    Pop3TestClient connect() {
        return new Pop3TestClient(port());
    }

    User addUser(String address, String password) {
        return temp.addUser(address, password);
    }

    /** Delivers one message to these users; returns the exact bytes RETR must give back (Return-Path first). */
    byte[] deliver(String sender, byte[] content, User... recipients) {
        try (Delivery d = temp.store().messages().begin(sender, "Q" + System.nanoTime())) {
            try (OutputStream out = d.content()) {
                out.write(content);
            }
            for (User u : recipients) {
                d.addLocalRecipient(u.id());
            }
            d.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] rp = ("Return-Path: <" + sender + ">\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[rp.length + content.length];
        System.arraycopy(rp, 0, all, 0, rp.length);
        System.arraycopy(content, 0, all, rp.length, content.length);
        return all;
    }

    byte[] deliver(String content, User... recipients) {
        return deliver("sender@remote.test", content.getBytes(StandardCharsets.UTF_8), recipients);
    }

    int count(User u) {
        return temp.store().maildrops().snapshot(u.id()).size();
    }

    @Override
    public void close() {
        try {
            pop3.shutdown(Duration.ofSeconds(2));
        } finally {
            temp.close();
        }
    }
}
