package io.mailserver.net;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.CumulativeProtocolDecoder;
import org.apache.mina.filter.codec.ProtocolDecoderOutput;

/**
 * Strict line framing for SMTP and POP3 (DESIGN.md contract 6). Emits {@link Line}s byte for byte.
 * CRLF ends a line; a bare LF or a bare CR also ends one but is reported as such, so the protocol
 * decides (reject or normalize) and a bare LF can never pass for a CRLF (SMTP smuggling).
 * A line longer than {@code fragmentSize} is emitted in fragments with {@link Line.Ending#NONE}, so
 * memory stays bounded whatever the client sends. The decoder holds no protocol state.
 */
public final class LineDecoder extends CumulativeProtocolDecoder {
    private final int fragmentSize;

    public LineDecoder(int fragmentSize) {
        if (fragmentSize < 16) {
            throw new IllegalArgumentException("fragment size too small");
        }
        this.fragmentSize = fragmentSize;
    }

    @Override
    protected boolean doDecode(IoSession session, IoBuffer in, ProtocolDecoderOutput out) {
        int start = in.position();
        int limit = in.limit();
        int end = Math.min(limit, start + fragmentSize);
        int i = indexOfNewline(in, start, end);
        if (i < 0) {
            if (end - start >= fragmentSize) {
                emit(in, start, fragmentSize, start + fragmentSize, Line.Ending.NONE, out);
                return true;
            }
            return false;
        }
        if (in.get(i) == '\n') {
            emit(in, start, i - start, i + 1, Line.Ending.BARE_LF, out);
            return true;
        }
        if (i + 1 >= limit) {
            return false; // need the next byte to tell CRLF from a bare CR
        }
        if (in.get(i + 1) == '\n') {
            emit(in, start, i - start, i + 2, Line.Ending.CRLF, out);
        } else {
            emit(in, start, i - start, i + 1, Line.Ending.BARE_CR, out);
        }
        return true;
    }

    /** The first CR or LF in [from, to), or -1; reads the backing array directly when there is one (the hot loop of DATA). */
    private static int indexOfNewline(IoBuffer in, int from, int to) {
        if (in.hasArray()) {
            byte[] a = in.array();
            int offset = in.arrayOffset();
            for (int i = from; i < to; i++) {
                byte b = a[offset + i];
                if (b == '\r' || b == '\n') {
                    return i;
                }
            }
            return -1;
        }
        for (int i = from; i < to; i++) {
            byte b = in.get(i);
            if (b == '\r' || b == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void emit(IoBuffer in, int start, int length, int next, Line.Ending ending, ProtocolDecoderOutput out) {
        byte[] bytes = new byte[length];
        in.position(start);
        in.get(bytes);
        in.position(next);
        out.write(new Line(bytes, ending, in.hasRemaining()));
    }
}
