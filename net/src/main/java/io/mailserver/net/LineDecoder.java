package io.mailserver.net;

import org.apache.mina.core.buffer.IoBuffer;
import org.apache.mina.core.session.IoSession;
import org.apache.mina.filter.codec.CumulativeProtocolDecoder;
import org.apache.mina.filter.codec.ProtocolDecoderOutput;
import io.mailserver.session.Line;

/**
 * Strict line framing for SMTP and POP3 (docs/design.md, contract 6). Emits {@link Line}s byte for byte.
 * CRLF ends a line; a bare LF or a bare CR also ends one but is reported as such, so the protocol
 * decides (reject or normalize) and a bare LF can never pass for a CRLF (SMTP smuggling).
 * A line longer than {@code fragmentSize} is emitted in fragments with {@link Line.Ending#NONE}, so
 * memory stays bounded whatever the client sends. The decoder holds no protocol state.
 *
 * <p>With a {@link ReadThrottle} it charges each line as it makes it and stops once the session is over the
 * throttle's high water, parking the rest of the buffer undecoded; one read can hold thousands of short lines
 * (up to 96 bytes of heap each, for one or two bytes on the wire), so stopping only after the whole read would
 * let every read overshoot the bound.
 */
public final class LineDecoder extends CumulativeProtocolDecoder {
    private final int fragmentSize;
    /** Null where nothing throttles the input (codec tests). */
    private final ReadThrottle throttle;

    public LineDecoder(int fragmentSize) {
        this(fragmentSize, null);
    }

    public LineDecoder(int fragmentSize, ReadThrottle throttle) {
        if (fragmentSize < 16) {
            throw new IllegalArgumentException("fragment size too small");
        }
        this.fragmentSize = fragmentSize;
        this.throttle = throttle;
    }

    @Override
    public void decode(IoSession session, IoBuffer in, ProtocolDecoderOutput out) throws Exception {
        if (throttle == null) {
            super.decode(session, in, out);
            return;
        }
        switch (throttle.arrive(session, in)) {
            case DECODE -> super.decode(session, in, out);
            case DECODE_PARKED -> {
                super.decode(session, in, out);
                for (IoBuffer next = throttle.nextParked(session); next != null; next = throttle.nextParked(session)) {
                    super.decode(session, next, out);
                }
            }
            case SKIP -> {
                // parked behind earlier input, or dropped
            }
        }
    }

    /** Also drops parked input: STARTTLS calls this so that nothing read before the handshake is decoded after it. */
    @Override
    public void dispose(IoSession session) throws Exception {
        super.dispose(session);
        if (throttle != null) {
            throttle.discardParked(session);
        }
    }

    @Override
    protected boolean doDecode(IoSession session, IoBuffer in, ProtocolDecoderOutput out) {
        Line line = nextLine(in);
        if (line == null) {
            return false;
        }
        out.write(line);
        // over the budget, the rest of the buffer is parked, to be decoded when the handler has caught up
        return throttle == null || throttle.admit(session, line, in);
    }

    /** The next line or fragment in {@code in}, or null if more bytes are needed first. */
    private Line nextLine(IoBuffer in) {
        int start = in.position();
        int limit = in.limit();
        int end = Math.min(limit, start + fragmentSize);
        int i = indexOfNewline(in, start, end);
        if (i < 0) {
            if (end - start >= fragmentSize) {
                return take(in, start, fragmentSize, start + fragmentSize, Line.Ending.NONE);
            }
            return null;
        }
        if (in.get(i) == '\n') {
            return take(in, start, i - start, i + 1, Line.Ending.BARE_LF);
        }
        if (i + 1 >= limit) {
            return null; // need the next byte to tell CRLF from a bare CR
        }
        if (in.get(i + 1) == '\n') {
            return take(in, start, i - start, i + 2, Line.Ending.CRLF);
        }
        return take(in, start, i - start, i + 1, Line.Ending.BARE_CR);
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

    private static Line take(IoBuffer in, int start, int length, int next, Line.Ending ending) {
        byte[] bytes = new byte[length];
        in.position(start);
        in.get(bytes);
        in.position(next);
        return new Line(bytes, ending, in.hasRemaining());
    }
}
