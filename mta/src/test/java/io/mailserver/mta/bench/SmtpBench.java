package io.mailserver.mta.bench;

import io.mailserver.mta.smtp.SmtpContext;
import io.mailserver.mta.smtp.SmtpSettings;
import io.mailserver.mta.smtp.check.DkimVerification;
import io.mailserver.mta.smtp.check.InboundChecks;
import io.mailserver.mta.smtp.check.MailAuthChecks;
import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.mailserver.config.ServerConfig;
import io.mailserver.mta.SmtpService;
import io.mailserver.store.MailAddress;
import io.mailserver.store.jdbc.JdbcMailStore;

/**
 * Not a test: measures the inbound SMTP server on this machine and prints the figures.
 * <ol>
 * <li>messages/s accepted (each 250 after a durable commit) from 20 concurrent sessions sending 10 KB
 *     messages (MAIL/RCPT/DATA pipelined as MTAs do), over the default embedded H2 store;</li>
 * <li>heap while one 50 MB message streams in (peak used heap sampled every 10 ms, against the baseline).</li>
 * </ol>
 * Run (see docs/smtp.md):
 * <pre>
 * mvn -q -pl mta -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=$PWD/mta/target/bench.cp
 * java -Xmx64m -cp mta/target/test-classes:mta/target/classes:$(cat mta/target/bench.cp) io.mailserver.mta.bench.SmtpBench [seconds]
 * </pre>
 * The 50 MB message goes first, on a fresh store; {@code seconds} (default 20, 0 to skip) is the length
 * of the throughput run. With {@code -Dbench.auth=true} the client is untrusted and every message goes
 * through the inbound checks (SPF, DMARC, Authentication-Results; DNS on loopback). Client and server share the JVM: the heap figures include the client (which
 * generates its lines on the fly) and the store.
 */
public final class SmtpBench {
    private static final int SESSIONS = 20;
    private static final int MESSAGE_SIZE = 10 * 1024;
    private static final long BIG_MESSAGE = 50L * 1024 * 1024;

    private SmtpBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path dir = Files.createTempDirectory("smtp-bench-");
        Map<String, String> keys = new java.util.HashMap<>(Map.of("server.data-dir", dir.toString(), "smtp.listen", "127.0.0.1:0",
                "server.hostname", "bench.example.test", "limits.message-size", "64M"));
        // -Dbench.auth=true: the client is an untrusted Internet client and every message gets SPF, DMARC and
        // Authentication-Results, with far.test's records on a DNS server on loopback (p=reject, SPF pass)
        boolean auth = Boolean.getBoolean("bench.auth");
        LoopbackDnsServer dns = auth ? new LoopbackDnsServer() : null;
        if (auth) {
            dns.txt("far.test", "v=spf1 ip4:127.0.0.0/8 -all").txt("_dmarc.far.test", "v=DMARC1; p=reject");
            keys.put("network.trusted", "10.9.9.0/24");
            keys.put("dns.resolver", "127.0.0.1:" + dns.address().port());
        }
        ServerConfig config = ServerConfig.fromMap(keys);
        try (JdbcMailStore store = JdbcMailStore.open(config)) {
            store.domains().add("example.test");
            store.users().add(MailAddress.parse("alice@example.test"), null, "pw".toCharArray());
            SmtpService service;
            if (auth) {
                SmtpSettings settings = SmtpSettings.from(config);
                service = SmtpService.start(config, new SmtpContext(settings, store, java.time.Clock.systemDefaultZone(),
                        InboundChecks.standard(settings, store, java.util.Optional.empty(), MailAuthChecks.from(config, DkimVerification.NONE))));
                System.out.println("inbound checks on: SPF, DMARC, Authentication-Results, reverse DNS");
            } else {
                service = SmtpService.start(config, store);
            }
            try {
                int port = service.port();
                System.out.printf("machine: %d cores, java %s, max heap %d MB%n", Runtime.getRuntime().availableProcessors(),
                        System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
                bigMessage(port);
                if (seconds > 0) {
                    throughput(port, 3);
                    double rate = throughput(port, seconds);
                    System.out.printf("throughput: %.0f messages/s accepted (%d sessions, %d KB messages, %d s, H2 default store)%n",
                            rate, SESSIONS, MESSAGE_SIZE / 1024, seconds);
                }
            } finally {
                service.shutdown(java.time.Duration.ofSeconds(5));
            }
        }
        if (dns != null) {
            dns.close();
        }
        deleteTree(dir);
    }

    private static double throughput(int port, int seconds) throws Exception {
        byte[] body = body();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong accepted = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            Thread t = new Thread(() -> {
                try (Client c = new Client(port)) {
                    c.expect("220");
                    c.send("EHLO bench.client\r\n");
                    c.expect("250");
                    while (!stop.get()) {
                        c.send("MAIL FROM:<bench@far.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
                        c.expect("250");
                        c.expect("250");
                        c.expect("354");
                        c.out.write(body);
                        c.send(".\r\n");
                        c.expect("250");
                        accepted.incrementAndGet();
                    }
                    c.send("QUIT\r\n");
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            threads.add(t);
        }
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long n = accepted.get();
        long elapsed = System.nanoTime() - t0;
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        return n / (elapsed / 1e9);
    }

    private static void bigMessage(int port) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        Thread.sleep(200);
        long baseline = memory.getHeapMemoryUsage().getUsed();
        AtomicLong peak = new AtomicLong(baseline);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long t0 = System.nanoTime();
        long uploaded;
        String reply;
        try (Client c = new Client(port)) {
            c.expect("220");
            c.send("EHLO bench.client\r\n");
            c.expect("250");
            c.send("MAIL FROM:<bench@far.test> SIZE=" + BIG_MESSAGE + "\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            c.expect("250");
            c.expect("250");
            c.expect("354");
            byte[] line = ("x".repeat(76) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (long sent = 0; sent + line.length <= BIG_MESSAGE; sent += line.length) {
                c.out.write(line);
            }
            c.out.flush();
            uploaded = System.nanoTime();
            c.send(".\r\n");
            reply = c.expect("250");
        }
        long done = System.nanoTime();
        long elapsed = done - t0;
        sampling.set(false);
        sampler.join();
        System.gc();
        Thread.sleep(200);
        System.out.printf("50 MB message: %s in %.1f s (upload %.1f s, end of data to 250 %.1f s);"
                + " heap used: baseline %d MB, peak %d MB, after %d MB (max heap %d MB)%n",
                reply.strip(), elapsed / 1e9, (uploaded - t0) / 1e9, (done - uploaded) / 1e9, baseline >> 20,
                peak.get() >> 20, memory.getHeapMemoryUsage().getUsed() >> 20, Runtime.getRuntime().maxMemory() >> 20);
    }

    private static byte[] body() {
        StringBuilder sb = new StringBuilder("From: bench@far.test\r\nTo: alice@example.test\r\nSubject: bench\r\n\r\n");
        while (sb.length() < MESSAGE_SIZE) {
            sb.append("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor inci\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static final class Client implements AutoCloseable {
        final Socket socket;
        final OutputStream out;
        final InputStream in;

        Client(int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.setSoTimeout(120_000);
            out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
            in = new BufferedInputStream(socket.getInputStream());
        }

        void send(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** Reads one whole reply and checks its code. */
        String expect(String code) throws IOException {
            StringBuilder reply = new StringBuilder();
            while (true) {
                StringBuilder line = new StringBuilder();
                int b;
                while ((b = in.read()) != '\n') {
                    if (b < 0) {
                        throw new IOException("connection closed; got " + reply + line);
                    }
                    line.append((char) b);
                }
                reply.append(line).append('\n');
                if (line.length() < 4 || line.charAt(3) != '-') {
                    break;
                }
            }
            if (!reply.toString().startsWith(code)) {
                throw new IOException("expected " + code + ", got " + reply);
            }
            return reply.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
