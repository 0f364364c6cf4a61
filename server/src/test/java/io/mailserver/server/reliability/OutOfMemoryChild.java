package io.mailserver.server.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.mailserver.server.Main;

/**
 * Test-only main class for a child JVM: the real server ({@link Main}), plus a thread that waits for the file
 * {@code oom-now} next to the configuration file (in the data directory) and then allocates until the heap is
 * exhausted, as a leak or a flood would.
 */
final class OutOfMemoryChild {
    static final String TRIGGER = "oom-now";

    private OutOfMemoryChild() {
    }

    public static void main(String[] args) {
        Path trigger = Path.of(args[args.length - 1]).toAbsolutePath().getParent().resolve(TRIGGER); // --config FILE
        Thread hog = new Thread(() -> {
            try {
                while (!Files.exists(trigger)) {
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                return;
            }
            List<long[]> held = new ArrayList<>();
            while (true) {
                held.add(new long[1 << 17]); // 1 MiB at a time
            }
        }, "heap-hog");
        hog.setDaemon(true);
        hog.start();
        Main.main(args);
    }
}
