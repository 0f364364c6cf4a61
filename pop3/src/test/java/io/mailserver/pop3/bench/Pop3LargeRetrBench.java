package io.mailserver.pop3.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import io.mailserver.config.ServerConfig;
import io.mailserver.pop3.Pop3Service;
import io.mailserver.store.Delivery;
import io.mailserver.store.User;
import io.mailserver.testkit.TempStore;

/**
 * Times one RETR of a large message (default 50 MB of 80-column lines) over loopback, from sending the
 * command to the terminator's arrival, a few rounds in one JVM. Not part of the test suite. Run from the
 * repository root (classpath as in {@link Pop3RetrieveBench}):
 *
 * <pre>
 * java -cp pop3/target/test-classes:pop3/target/classes:$(cat /tmp/pop3-cp.txt) io.mailserver.pop3.bench.Pop3LargeRetrBench [megabytes] [rounds]
 * </pre>
 */
public final class Pop3LargeRetrBench {
    private static String expectOk(String line) {
        if (line == null || !line.startsWith("+OK")) {
            throw new IllegalStateException("expected +OK, got " + line);
        }
        return line;
    }

    public static void main(String[] args) throws Exception {
        long size = (long) ((args.length > 0 ? Double.parseDouble(args[0]) : 50) * 1_000_000L);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        byte[] line = ("x".repeat(78) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try (TempStore temp = TempStore.create()) {
            User user = temp.addUser("big@example.test", "big-pw");
            ServerConfig config = ServerConfig.fromMap(Map.of("server.data-dir", temp.dataDir().toString(),
                    "server.hostname", "bench.example.test", "pop3.listen", "127.0.0.1:0", "tls.allow-plaintext-auth", "true"));
            Pop3Service pop3 = Pop3Service.start(config, temp.store());
            try (Delivery d = temp.store().messages().begin("sender@remote.test", "BIG")) {
                OutputStream out = d.content();
                out.write("Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                for (long n = 0; n < size; n += line.length) {
                    out.write(line);
                }
                d.addLocalRecipient(user.id());
                d.commit();
            }
            try (Socket s = new Socket("127.0.0.1", pop3.port())) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                Pop3RetrieveBench.Counter c = new Pop3RetrieveBench.Counter(in);
                expectOk(c.line());
                out.write("USER big@example.test\r\n".getBytes(StandardCharsets.US_ASCII));
                expectOk(c.line());
                out.write("PASS big-pw\r\n".getBytes(StandardCharsets.US_ASCII));
                expectOk(c.line());
                for (int r = 1; r <= rounds; r++) {
                    long before = c.bytes;
                    long t0 = System.nanoTime();
                    out.write("RETR 1\r\n".getBytes(StandardCharsets.US_ASCII));
                    String status = expectOk(c.line());
                    c.skipMultiLine();
                    double s1 = (System.nanoTime() - t0) / 1e9;
                    System.out.printf("round %d: RETR %s in %.3f s, %.1f MB/s%n", r, status, s1, (c.bytes - before) / s1 / 1e6);
                }
                out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                c.line();
            } finally {
                pop3.shutdown(Duration.ofSeconds(5));
            }
        }
    }
}
