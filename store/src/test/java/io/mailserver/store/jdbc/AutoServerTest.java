package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.User;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/design.md, contract 1 on the embedded default: a second process (mailctl) uses the H2 file while the
 * server has it open, both writing at once, each seeing the other's commits; H2's auto-server port
 * accepts only loopback connections.
 */
@Timeout(120)
class AutoServerTest {
    @TempDir
    Path dataDir;

    @Test
    void aSecondProcessWritesWhileTheFirstKeepsDelivering() throws Exception {
        try (JdbcMailStore server = Backend.H2.open(dataDir)) {
            server.domains().add("parent.test");
            User alice = server.users().add(StoreTestBase.addr("alice@parent.test"), null, "pw".toCharArray());

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger delivered = new AtomicInteger();
            Thread deliverer = new Thread(() -> {
                while (!stop.get()) {
                    try (var d = server.messages().begin("x@remote.example", "Q")) {
                        d.content().write("Subject: busy\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
                        d.addLocalRecipient(alice.id());
                        d.commit();
                        delivered.incrementAndGet();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            deliverer.start();
            String output;
            int exit;
            try {
                Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), AdminChild.class.getName(), dataDir.toString())
                        .redirectErrorStream(true).start();
                try (InputStream in = child.getInputStream()) {
                    output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                assertTrue(child.waitFor(60, TimeUnit.SECONDS));
                exit = child.exitValue();
            } finally {
                stop.set(true);
                deliverer.join();
            }
            assertEquals(0, exit, output);
            assertTrue(output.contains("DOMAIN child.test") && output.contains("DOMAIN parent.test"), output);
            assertTrue(output.contains("USERS 2"), output);
            // The server sees the other process's commits at once (no cache, one database).
            assertTrue(server.directory().isLocalDomain("child.test"));
            assertEquals("Carol", server.users().find(StoreTestBase.addr("carol@child.test")).orElseThrow().displayName());
            assertEquals(delivered.get(), server.maildrops().snapshot(alice.id()).size());
            assertTrue(delivered.get() > 0);
        }
    }

    @Test
    void theAutoServerPortIsLoopbackOnly() throws Exception {
        try (JdbcMailStore server = Backend.H2.open(dataDir)) {
            assertTrue(server.isAvailable());
            Properties lock = new Properties();
            try (InputStream in = Files.newInputStream(dataDir.resolve("db").resolve("mail.lock.db"))) {
                lock.load(in);
            }
            String advertised = lock.getProperty("server");
            assertTrue(advertised != null && advertised.contains(":"), "lock file: " + lock);
            int port = Integer.parseInt(advertised.substring(advertised.lastIndexOf(':') + 1));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            }
            Optional<InetAddress> external = nonLoopbackAddress();
            if (external.isPresent()) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(external.get(), port), 2000);
                    throw new AssertionError("the auto-server port " + port + " accepts connections on " + external.get());
                } catch (IOException expected) {
                    // refused: nothing listens there
                }
            }
        }
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            List<InetAddress> addrs = Collections.list(ni.getInetAddresses());
            for (InetAddress a : addrs) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }
}
