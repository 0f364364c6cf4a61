package io.mailserver.net.tls;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.future.DefaultWriteFuture;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.core.write.DefaultWriteRequest;
import org.apache.mina.filter.ssl.DisableEncryptWriteRequest;

/**
 * A write that MINA 2.2's SslFilter lets through unencrypted: the plaintext {@code 220}/{@code +OK} that tells
 * the client to start the handshake once the filter is already in place. The message is already bytes, so the
 * codec passes it on unchanged too.
 */
final class PlaintextWriteRequest extends DefaultWriteRequest implements DisableEncryptWriteRequest {
    PlaintextWriteRequest(IoSession session, byte[] bytes) {
        super(IoBuffer.wrap(bytes), new DefaultWriteFuture(session));
    }
}
