package io.mailserver.relay.dsn;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Writes a delivery status notification: an RFC 3464 {@code multipart/report} (RFC 6522) with a
 * human-readable part, a {@code message/delivery-status} part and the original message's header
 * section as {@code text/rfc822-headers}. Free of MINA and of the store, so mailctl can use it too.
 */
public final class DsnMessage {
    /** The original header section is copied up to this size; the rest is left out (a DSN is not a copy of the message). */
    static final int MAX_ORIGINAL_HEADERS = 256 * 1024;
    private static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final Pattern SMTP_REPLY = Pattern.compile("^[245][0-9][0-9]( .*)?$");

    private final String reportingMta;
    private final String originalSender;
    private final String queueId;
    private final Instant arrival;
    private final List<DsnRecipient> recipients;
    private final Optional<Instant> willRetryUntil;
    private final Instant now;

    /**
     * @param reportingMta this server's host name
     * @param originalSender the envelope sender of the message being reported on (the DSN's recipient)
     * @param willRetryUntil for a delay notice: when the message will be given up
     */
    public DsnMessage(String reportingMta, String originalSender, String queueId, Instant arrival, List<DsnRecipient> recipients,
                      Optional<Instant> willRetryUntil, Instant now) {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a DSN reports on at least one recipient");
        }
        this.reportingMta = reportingMta;
        this.originalSender = originalSender;
        this.queueId = queueId;
        this.arrival = arrival;
        this.recipients = List.copyOf(recipients);
        this.willRetryUntil = willRetryUntil;
        this.now = now;
    }

    private boolean delayed() {
        return recipients.stream().allMatch(r -> r.action() == DsnRecipient.Action.DELAYED);
    }

    /** Writes the whole message, CRLF line ends, streaming the original headers from {@code original} (may be null). */
    public void writeTo(OutputStream out, InputStream original) throws IOException {
        byte[] headers = original == null ? new byte[0] : readHeaderSection(original);
        String boundary = now.toEpochMilli() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "/" + reportingMta;
        StringBuilder sb = new StringBuilder(2048);
        line(sb, "From: Mail Delivery System <MAILER-DAEMON@" + reportingMta + ">");
        line(sb, "To: <" + originalSender + ">");
        line(sb, "Subject: " + (delayed() ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender"));
        line(sb, "Date: " + RFC5322_DATE.format(now));
        line(sb, "Message-ID: <" + now.toEpochMilli() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "@" + reportingMta + ">");
        line(sb, "Auto-Submitted: auto-replied"); // RFC 3834 5: never answered automatically
        line(sb, "MIME-Version: 1.0");
        line(sb, "Content-Type: multipart/report; report-type=delivery-status;");
        line(sb, "\tboundary=\"" + boundary + "\"");
        line(sb, "");
        line(sb, "This is a MIME-encapsulated message.");
        line(sb, "");
        line(sb, "--" + boundary);
        line(sb, "Content-Description: Notification");
        line(sb, "Content-Type: text/plain; charset=us-ascii");
        line(sb, "");
        humanReadable(sb);
        line(sb, "");
        line(sb, "--" + boundary);
        line(sb, "Content-Description: Delivery report");
        line(sb, "Content-Type: message/delivery-status");
        line(sb, "");
        deliveryStatus(sb);
        line(sb, "--" + boundary);
        line(sb, "Content-Description: Undelivered Message Headers");
        line(sb, "Content-Type: text/rfc822-headers");
        if (has8Bit(headers)) {
            line(sb, "Content-Transfer-Encoding: 8bit");
        }
        line(sb, "");
        out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(headers);
        if (headers.length > 0 && headers[headers.length - 1] != '\n') {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void humanReadable(StringBuilder sb) {
        if (delayed()) {
            line(sb, "This is the mail system at host " + reportingMta + ".");
            line(sb, "");
            line(sb, "####################################################################");
            line(sb, "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #");
            line(sb, "####################################################################");
            line(sb, "");
            line(sb, "Your message could not be delivered yet to one or more recipients.");
            willRetryUntil.ifPresent(t -> line(sb, "It will be retried until " + RFC5322_DATE.format(t) + "."));
        } else {
            line(sb, "This is the mail system at host " + reportingMta + ".");
            line(sb, "");
            line(sb, "I'm sorry to have to inform you that your message could not");
            line(sb, "be delivered to one or more recipients. The reasons are below.");
        }
        line(sb, "");
        for (DsnRecipient r : recipients) {
            String why = (r.note().isEmpty() ? "" : r.note() + "; last reply: ") + r.remoteMta().map(h -> "host " + h + " said: ").orElse("")
                    + r.diagnostic();
            fold(sb, "<" + r.finalRecipient() + ">: " + why);
        }
    }

    private void deliveryStatus(StringBuilder sb) {
        // RFC 3464 2.2: per-message fields
        line(sb, "Reporting-MTA: dns; " + reportingMta);
        line(sb, "X-Mailserver-Queue-ID: " + queueId);
        line(sb, "Arrival-Date: " + RFC5322_DATE.format(arrival));
        line(sb, "");
        // RFC 3464 2.3: one block per recipient, each followed by a blank line
        for (DsnRecipient r : recipients) {
            line(sb, "Final-Recipient: rfc822; " + r.finalRecipient());
            line(sb, "Action: " + r.action().name().toLowerCase(Locale.ROOT));
            line(sb, "Status: " + r.status());
            r.remoteMta().ifPresent(h -> line(sb, "Remote-MTA: dns; " + h));
            fold(sb, "Diagnostic-Code: " + diagnosticCode(r.diagnostic()));
            line(sb, "Last-Attempt-Date: " + RFC5322_DATE.format(r.lastAttempt()));
            if (r.action() == DsnRecipient.Action.DELAYED) {
                willRetryUntil.ifPresent(t -> line(sb, "Will-Retry-Until: " + RFC5322_DATE.format(t)));
            }
            line(sb, "");
        }
    }

    /** RFC 3464 2.3.6: "smtp; reply" for a remote server's reply, an X- type for this server's own reasons. */
    static String diagnosticCode(String diagnostic) {
        String clean = printable(diagnostic);
        return SMTP_REPLY.matcher(clean).matches() ? "smtp; " + clean : "X-Mailserver; " + clean;
    }

    /** The header section of a message (without the blank line that ends it), at most 256 KiB; for mailctl too. */
    public static byte[] headerSection(InputStream in) throws IOException {
        return readHeaderSection(in);
    }

    /** Copies the header section (without the blank line that ends it), bounded. */
    static byte[] readHeaderSection(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        int prev = -1;
        int lineLength = 0;
        int b;
        while ((b = in.read()) >= 0 && buf.size() < MAX_ORIGINAL_HEADERS) {
            if (b == '\n' && (lineLength == 0 || (lineLength == 1 && prev == '\r'))) {
                break; // the empty line that ends the header section; not part of the copy
            }
            buf.write(b);
            if (b == '\n') {
                lineLength = 0;
            } else {
                lineLength++;
            }
            prev = b;
        }
        byte[] bytes = buf.toByteArray();
        if (bytes.length > 0 && lineLength == 1 && prev == '\r') {
            return java.util.Arrays.copyOf(bytes, bytes.length - 1); // drop the CR of the blank line
        }
        return bytes;
    }

    private static boolean has8Bit(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c >= 32 && c < 127 ? c : ' ');
        }
        return sb.toString().strip();
    }

    private static void line(StringBuilder sb, String s) {
        sb.append(s).append("\r\n");
    }

    /** Writes a field or text line folded at spaces before 78 characters (RFC 5322 2.2.3). */
    private static void fold(StringBuilder sb, String text) {
        String rest = printable(text);
        boolean first = true;
        while (rest.length() > 76) {
            int cut = rest.lastIndexOf(' ', 76);
            if (cut <= 0) {
                cut = rest.indexOf(' ', 76);
                if (cut < 0) {
                    break;
                }
            }
            sb.append(first ? "" : " ").append(rest, 0, cut).append("\r\n");
            rest = rest.substring(cut + 1);
            first = false;
        }
        sb.append(first ? "" : " ").append(rest).append("\r\n");
    }
}
