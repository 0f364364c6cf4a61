package io.mailserver.server.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.mailserver.server.Main;

/**
 * Test-only main class for a child JVM: the real server ({@link Main}), plus a thread that waits for the file
 * {@code burst-now} next to the configuration file, then holds {@link #BURST_MIB} MiB of heap in 64 KiB arrays
 * (small enough to be ordinary objects that reach the old generation, as a burst of sessions leaves them) for a
 * second, lets them go and writes {@code burst-over}.
 */
final class HeapBurstChild {
    static final String TRIGGER = "burst-now";
    static final String OVER = "burst-over";
    static final int BURST_MIB = 160;

    private HeapBurstChild() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[args.length - 1]).toAbsolutePath().getParent(); // --config FILE
        Thread burst = new Thread(() -> {
            try {
                while (!Files.exists(dir.resolve(TRIGGER))) {
                    Thread.sleep(20);
                }
                List<byte[]> held = new ArrayList<>();
                for (int i = 0; i < BURST_MIB * 16; i++) {
                    held.add(new byte[64 * 1024]);
                }
                Thread.sleep(1000);
                held.clear();
                Files.createFile(dir.resolve(OVER));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "heap-burst");
        burst.setDaemon(true);
        burst.start();
        Main.main(args);
    }
}
