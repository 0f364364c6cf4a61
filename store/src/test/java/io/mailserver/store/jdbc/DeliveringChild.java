package io.mailserver.store.jdbc;

import io.mailserver.store.Delivery;
import io.mailserver.store.PasswordHasher;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Run as a separate JVM by {@link KillDurabilityTest}: delivers messages from several threads forever
 * and prints {@code COMMITTED <id>} after each commit returns, until it is killed.
 * Arguments: JDBC URL, user, data directory, local user id, thread count, and optionally
 * {@code stop-after-content}: then one delivery prints {@code CONTENT DURABLE} once its content file is
 * durable and stops there, before its metadata transaction, to be killed ({@link ContentFilesTest}).
 */
public final class DeliveringChild {
    static final byte[] BODY = ("Subject: durability\r\n\r\n" + "x".repeat(10_000) + "\r\n").getBytes(StandardCharsets.US_ASCII);

    private DeliveringChild() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        Path dataDir = Path.of(args[2]);
        long userId = Long.parseLong(args[3]);
        int threads = Integer.parseInt(args[4]);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.US_ASCII);
        JdbcMailStore store = JdbcMailStore.open(url, user, "", threads + 2, dataDir, new PasswordHasher(1000));
        byte[] body = BODY;
        if (args.length > 5 && args[5].equals("stop-after-content")) {
            store.durabilityListener(new DurabilityListener() {
                @Override
                public void contentDurable(String queueId) {
                    synchronized (out) {
                        out.println("CONTENT DURABLE");
                        out.flush();
                    }
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
        }
        out.println("READY");
        out.flush();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                while (true) {
                    try (Delivery d = store.messages().begin("child@remote.example", "K")) {
                        d.content().write(body);
                        d.addLocalRecipient(userId);
                        d.addRemoteRecipient("far@remote.example");
                        long id = d.commit();
                        synchronized (out) {
                            out.println("COMMITTED " + id);
                            out.flush();
                        }
                    } catch (Exception e) {
                        synchronized (out) {
                            out.println("ERROR " + e);
                            out.flush();
                        }
                        return;
                    }
                }
            });
            th.start();
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
