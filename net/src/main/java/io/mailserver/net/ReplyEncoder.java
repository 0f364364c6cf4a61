package io.mailserver.net;

import java.nio.charset.StandardCharsets;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.ProtocolEncoderAdapter;
import org.apache.mina.filter.codec.ProtocolEncoderOutput;

/**
 * Encodes replies. A {@code String} is sent as UTF-8 exactly as given (the protocol core adds CRLF, so
 * a multi-line reply leaves in one write); {@code byte[]} and {@link IoBuffer} pass through unchanged.
 */
public final class ReplyEncoder extends ProtocolEncoderAdapter {
    @Override
    public void encode(IoSession session, Object message, ProtocolEncoderOutput out) {
        if (message instanceof IoBuffer buf) {
            out.write(buf);
        } else if (message instanceof byte[] bytes) {
            out.write(IoBuffer.wrap(bytes));
        } else if (message instanceof CharSequence text) {
            out.write(IoBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
        } else {
            throw new IllegalArgumentException("cannot encode " + message.getClass().getName());
        }
    }
}
