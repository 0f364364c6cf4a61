package io.mailserver.pop3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilterAdapter;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.WriteRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.mailserver.store.User;

/**
 * Each reply leaves in one write (docs/design.md, contract 5: with TCP_NODELAY, a reply in pieces waits for
 * the client's delayed ACK), and a large RETR in 64 KiB chunks with the status line in the first and
 * the terminator in the last. Seen from a filter at the socket end of the chain.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Pop3WritesSocketTest {
    private final List<byte[]> writes = new CopyOnWriteArrayList<>();

    private void countWrites(Pop3Fixture f) {
        f.pop3.plainListener().acceptor().getFilterChain().addFirst("count-writes", new IoFilterAdapter() {
            @Override
            public void filterWrite(NextFilter next, IoSession session, WriteRequest request) throws Exception {
                if (request.getMessage() instanceof IoBuffer b) {
                    byte[] copy = new byte[b.remaining()];
                    b.duplicate().get(copy);
                    writes.add(copy);
                }
                next.filterWrite(session, request);
            }
        });
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void everyReplyIsOneWriteAndLargeBodiesAreChunked() {
        try (Pop3Fixture f = Pop3Fixture.start()) {
            countWrites(f);
            User u = f.addUser("w@example.test", "pw");
            byte[] small = f.deliver("Subject: small\r\n\r\n" + ".x\r\n".repeat(2500), u);
            byte[] big = f.deliver("Subject: big\r\n\r\n" + "y".repeat(78).concat("\r\n").repeat(2600), u);
            for (int i = 0; i < 40; i++) {
                f.deliver("Subject: " + i + "\r\n\r\nz\r\n", u);
            }
            try (Pop3TestClient c = f.connect()) {
                c.login("w@example.test", "pw");
                writes.clear();
                assertEquals(42, c.multi("LIST").size());
                assertEquals(42, c.multi("UIDL").size());
                assertEquals(8, c.multi("CAPA").size());
                assertEquals(3, writes.size(), "one write per multi-line reply");

                writes.clear();
                assertArrayEquals(small, c.retr(1));
                assertEquals(1, writes.size(), "a 10 KB message leaves in one write");
                String only = text(writes.get(0));
                assertTrue(only.startsWith("+OK " + small.length + " octets\r\n") && only.endsWith("\r\n.\r\n"));

                writes.clear();
                assertArrayEquals(big, c.retr(2));
                long stuffedSize = big.length + ".\r\n".length() + ("+OK " + big.length + " octets\r\n").length();
                assertEquals((stuffedSize + 65535) / 65536, writes.size(), "64 KiB chunks");
                assertTrue(text(writes.get(0)).startsWith("+OK "));
                assertTrue(text(writes.get(writes.size() - 1)).endsWith("\r\n.\r\n"));
                for (int i = 0; i < writes.size() - 1; i++) {
                    assertEquals(65536, writes.get(i).length);
                }

                writes.clear();
                c.cmd("TOP 2 3");
                c.readMultiLine();
                c.cmd("STAT");
                c.cmd("DELE 3");
                assertEquals(3, writes.size());
            }
        }
    }
}
