package io.mailserver.mta.smtp.check;

import io.mailserver.mailauth.results.DkimResult;
import java.io.OutputStream;
import java.util.List;

/**
 * Where the DKIM verifier plugs into the inbound checks ({@link AuthenticationCheck}): it is given each
 * message's content as received (every header field, also those this server leaves out, with CRLF line ends,
 * no dot-stuffing) and returns one result per signature at the end of data.
 * {@link #NONE} verifies nothing, so the header says {@code dkim=none} and DMARC relies on SPF alone.
 */
public interface DkimVerification {
    /** One message's verification. */
    interface Message {
        /** The message content, as received, is written here (CRLF line ends, no dot-stuffing). */
        OutputStream content();

        /** At the end of data (may look up keys in DNS): one result per DKIM-Signature field, in order. */
        List<DkimResult> results();
    }

    Message start();

    DkimVerification NONE = () -> new Message() {
        @Override
        public OutputStream content() {
            return OutputStream.nullOutputStream();
        }

        @Override
        public List<DkimResult> results() {
            return List.of();
        }
    };
}
