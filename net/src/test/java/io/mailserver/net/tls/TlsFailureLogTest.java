package io.mailserver.net.tls;

import static io.mailserver.net.tls.TlsTestSupport.writeCertificate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.testkit.TestTls;
import java.io.EOFException;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.BufferOverflowException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.filterchain.IoFilter.NextFilter;
import org.apache.mina.core.future.WriteFuture;
import org.apache.mina.core.service.IoHandlerAdapter;
import org.apache.mina.core.session.DummySession;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.DefaultWriteRequest;
import org.apache.mina.core.write.WriteRejectedException;
import org.apache.mina.core.write.WriteRequest;
import org.apache.mina.filter.ssl.EncryptedWriteRequest;
import org.apache.mina.filter.ssl.SslFilter;
import org.apache.mina.transport.socket.nio.NioSocketAcceptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whose fault a TLS failure is, how it is described, events after TLS was closed, and the MINA behaviour that made
 * large TLS writes fail.
 */
@Timeout(60)
class TlsFailureLogTest {
    @TempDir
    Path dir;

    /** An exception as if thrown inside MINA's TLS filter. */
    private static <T extends Throwable> T fromMinaTls(T t) {
        t.setStackTrace(new StackTraceElement[] {
            new StackTraceElement("org.apache.mina.filter.ssl.SSLHandlerG1", "write_start", "SSLHandlerG1.java", 390) });
        return t;
    }

    @Test
    void faultDecidesTheLevel() {
        assertEquals(TlsFailureLog.Fault.CLIENT, TlsFailureLog.faultOf(new SSLHandshakeException("no cipher suites in common")));
        assertEquals(TlsFailureLog.Fault.CLIENT, TlsFailureLog.faultOf(new SSLException("Unrecognized SSL message, plaintext connection?")));
        assertEquals(TlsFailureLog.Fault.CLOSED,
                TlsFailureLog.faultOf(new SSLException("closing inbound before receiving peer's close_notify")));
        assertEquals(TlsFailureLog.Fault.CLOSED, TlsFailureLog.faultOf(new IOException("Connection reset by peer")));
        assertEquals(TlsFailureLog.Fault.CLOSED, TlsFailureLog.faultOf(fromMinaTls(new IllegalStateException("closed"))));
        assertEquals(TlsFailureLog.Fault.CLOSED, TlsFailureLog.faultOf(fromMinaTls(new WriteRejectedException(new DefaultWriteRequest(IoBuffer.allocate(1)), "closing"))));
        // what a pump overfilling MINA's TLS queue got: the server's fault, worth a WARN
        assertEquals(TlsFailureLog.Fault.SERVER, TlsFailureLog.faultOf(fromMinaTls(new BufferOverflowException())));
        assertEquals(TlsFailureLog.Fault.SERVER, TlsFailureLog.faultOf(fromMinaTls(new NullPointerException())));
    }

    @Test
    void onlyTlsFailuresAreRecognised() {
        assertTrue(TlsFailureLog.isTlsFailure(new SSLException("bad record MAC")));
        assertTrue(TlsFailureLog.isTlsFailure(new RuntimeException(new SSLHandshakeException("x"))));
        assertTrue(TlsFailureLog.isTlsFailure(fromMinaTls(new BufferOverflowException())));
        assertFalse(TlsFailureLog.isTlsFailure(new BufferOverflowException()));
        assertFalse(TlsFailureLog.isTlsFailure(new IOException("Connection reset by peer")));
    }

    @Test
    void descriptionNamesClassMessageAndCauses() {
        SSLException e = new SSLHandshakeException("Remote host terminated the handshake");
        e.initCause(new EOFException("SSL peer shut down incorrectly"));
        assertEquals("javax.net.ssl.SSLHandshakeException: Remote host terminated the handshake; caused by "
                + "java.io.EOFException: SSL peer shut down incorrectly", TlsFailureLog.describe(e));
        assertEquals("java.nio.BufferOverflowException", TlsFailureLog.describe(new BufferOverflowException()));
    }

    /**
     * A record's messageSent, or bytes read, reaching the TLS filter after StartTls.close made MINA forget the
     * session's TLS state (it removes the filter from a handler thread while the I/O thread passes events through
     * it): MINA's own filter throws a NullPointerException, ours passes the sent reply on and drops the bytes.
     */
    @Test
    void eventsAfterTlsWasClosedAreLetGo() throws Exception {
        Path chain = dir.resolve("chain.pem");
        Path key = dir.resolve("key.pem");
        writeCertificate(chain, key, "localhost");
        ServerTls tls = ServerTls.forFiles(chain, key, "localhost");
        DummySession closedTls = new DummySession(); // no TLS state, as after the filter's removal
        List<String> passedOn = new ArrayList<>();
        NextFilter next = (NextFilter) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { NextFilter.class },
                (proxy, method, args) -> {
                    passedOn.add(method.getName() + " " + (args.length > 1 ? args[1] : ""));
                    return null;
                });
        WriteRequest reply = new DefaultWriteRequest(IoBuffer.wrap("+OK bye\r\n".getBytes(StandardCharsets.US_ASCII)));
        WriteRequest lastRecord = new EncryptedWriteRequest(IoBuffer.allocate(32), reply);

        SslFilter ours = tls.newFilter();
        ours.messageSent(next, closedTls, lastRecord);
        ours.messageReceived(next, closedTls, IoBuffer.wrap(new byte[] { 23, 3, 3, 0, 1, 0 }));
        assertEquals(List.of("messageSent " + reply), passedOn);

        SslFilter minas = new SslFilter(tls.context());
        assertThrows(NullPointerException.class, () -> minas.messageSent(next, closedTls, lastRecord));
        assertThrows(NullPointerException.class, () -> minas.messageReceived(next, closedTls, IoBuffer.wrap(new byte[] { 23 })));
    }

    /**
     * Why the POP3 body pump counts its own unsent bytes (see BodyPump): MINA's TLS filter encrypts while fewer than 6
     * records wait to be sent, parks up to 64 further writes in a queue of its own, and fails the next one with a
     * BufferOverflowException; {@code getScheduledWriteBytes()} never sees the parked writes. Written on the I/O thread,
     * where nothing is sent between the writes, so the counts are exact. If a MINA upgrade changes this, the pump's
     * limit (at most 17 chunks unsent, from its HIGH_WATER) must be checked again.
     */
    @Test
    void minaTlsFilterParksAtMost64Writes() throws Exception {
        Path chain = dir.resolve("chain.pem");
        Path key = dir.resolve("key.pem");
        writeCertificate(chain, key, "localhost");
        ServerTls tls = ServerTls.forFiles(chain, key, "localhost");
        CompletableFuture<String> result = new CompletableFuture<>();
        NioSocketAcceptor acceptor = new NioSocketAcceptor();
        acceptor.getFilterChain().addLast("tls", tls.newFilter());
        acceptor.setHandler(new IoHandlerAdapter() {
            @Override
            public void messageReceived(IoSession session, Object message) {
                List<WriteFuture> writes = new ArrayList<>();
                long scheduled = 0;
                for (int i = 0; i < 100; i++) {
                    writes.add(session.write(IoBuffer.wrap(new byte[64 * 1024])));
                    scheduled = Math.max(scheduled, session.getScheduledWriteBytes());
                }
                int firstFailed = -1;
                for (int i = 0; i < writes.size(); i++) {
                    if (writes.get(i).isDone() && writes.get(i).getException() instanceof BufferOverflowException) {
                        firstFailed = i;
                        break;
                    }
                }
                result.complete("first failed write: " + firstFailed + ", scheduled bytes below 1 MiB: " + (scheduled < 1024 * 1024));
                session.closeNow();
            }
        });
        acceptor.bind(new InetSocketAddress("127.0.0.1", 0));
        try (Socket plain = new Socket("127.0.0.1", acceptor.getLocalAddress().getPort());
             SSLSocket client = (SSLSocket) TestTls.trustingAnyone().getSocketFactory()
                     .createSocket(plain, "localhost", plain.getPort(), true)) {
            plain.setReceiveBufferSize(4096);
            client.startHandshake();
            client.getOutputStream().write('x'); // the server writes when this arrives; the client reads nothing
            client.getOutputStream().flush();
            // write 0 becomes 4 records, write 1 two more (6 in flight) and is parked with the rest of it, and
            // writes 2 to 64 too: 64 parked, so write 65 fails
            assertEquals("first failed write: 65, scheduled bytes below 1 MiB: true", result.get(30, TimeUnit.SECONDS));
        } finally {
            acceptor.dispose(true);
        }
    }
}
