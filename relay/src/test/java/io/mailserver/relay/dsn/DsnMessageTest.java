package io.mailserver.relay.dsn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.BodyPart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class DsnMessageTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final String ORIGINAL = "From: a@local.test\r\nTo: x@remote.test\r\nSubject: hello\r\n\r\nbody line\r\n";

    private static String write(List<DsnRecipient> rcpts, Optional<Instant> until) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new DsnMessage("mx.local.test", "a@local.test", "Q123", T0, rcpts, until, T0.plusSeconds(60))
                .writeTo(out, new ByteArrayInputStream(ORIGINAL.getBytes(StandardCharsets.US_ASCII)));
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void failureReportHasTheThreeParts() throws Exception {
        String dsn = write(List.of(new DsnRecipient("x@remote.test", DsnRecipient.Action.FAILED, "5.1.1",
                "550 5.1.1 <x@remote.test>: Recipient address rejected: User unknown in virtual mailbox table", Optional.of("mx.remote.test"),
                T0.plusSeconds(30))), Optional.empty());
        assertFalse(dsn.replace("\r\n", "").contains("\n"), "only CRLF line ends");
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(dsn.getBytes(StandardCharsets.ISO_8859_1)));
        assertTrue(m.getContentType().startsWith("multipart/report"), m.getContentType());
        assertTrue(m.getContentType().contains("report-type=delivery-status"));
        assertEquals("Undelivered Mail Returned to Sender", m.getSubject());
        assertEquals("Mail Delivery System <MAILER-DAEMON@mx.local.test>", m.getHeader("From", null));
        assertEquals("auto-replied", m.getHeader("Auto-Submitted", null));
        MimeMultipart mp = (MimeMultipart) m.getContent();
        assertEquals(3, mp.getCount());
        assertTrue(mp.getBodyPart(0).isMimeType("text/plain"));
        BodyPart status = mp.getBodyPart(1);
        assertTrue(status.isMimeType("message/delivery-status"));
        assertTrue(mp.getBodyPart(2).isMimeType("text/rfc822-headers"));
        assertTrue(dsn.contains("Reporting-MTA: dns; mx.local.test\r\n"));
        assertTrue(dsn.contains("Arrival-Date: Sat, 1 Mar 2025 10:00:00 +0000\r\n"));
        assertTrue(dsn.contains("Final-Recipient: rfc822; x@remote.test\r\nAction: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.remote.test\r\n"));
        // long diagnostic folded, not cut
        assertTrue(dsn.contains("Diagnostic-Code: smtp; 550 5.1.1 <x@remote.test>: Recipient address\r\n rejected: User unknown in virtual mailbox table\r\n"), dsn);
        assertTrue(dsn.contains("Content-Type: text/rfc822-headers\r\n\r\nFrom: a@local.test\r\nTo: x@remote.test\r\nSubject: hello\r\n\r\n--"));
        assertFalse(dsn.contains("body line"), "the body is not returned");
    }

    @Test
    void ownReasonsUseAnExtensionDiagnosticType() throws Exception {
        String dsn = write(List.of(new DsnRecipient("x@nowhere.test", DsnRecipient.Action.FAILED, "5.1.2", "Host or domain name not found: nowhere.test",
                Optional.empty(), T0)), Optional.empty());
        assertTrue(dsn.contains("Diagnostic-Code: X-Mailserver; Host or domain name not found: nowhere.test\r\n"));
        assertFalse(dsn.contains("Remote-MTA"));
    }

    @Test
    void delayNotice() throws Exception {
        String dsn = write(List.of(new DsnRecipient("x@remote.test", DsnRecipient.Action.DELAYED, "4.4.1", "connect to mx[192.0.2.1]:25: Connection refused",
                Optional.empty(), T0)), Optional.of(T0.plusSeconds(5 * 86400)));
        assertTrue(dsn.contains("Subject: Delayed Mail (still being retried)\r\n"));
        assertTrue(dsn.contains("Action: delayed\r\nStatus: 4.4.1\r\n"));
        assertTrue(dsn.contains("Will-Retry-Until: Thu, 6 Mar 2025 10:00:00 +0000\r\n"));
        assertTrue(dsn.contains("THIS IS A WARNING ONLY"));
    }

    @Test
    void headerSectionIsBounded() throws Exception {
        byte[] headersOnly = "X: 1\nY: 2\n\nbody".getBytes(StandardCharsets.US_ASCII);
        assertEquals("X: 1\nY: 2\n", new String(DsnMessage.readHeaderSection(new ByteArrayInputStream(headersOnly)), StandardCharsets.US_ASCII));
        byte[] endless = new byte[DsnMessage.MAX_ORIGINAL_HEADERS * 2];
        java.util.Arrays.fill(endless, (byte) 'a');
        assertEquals(DsnMessage.MAX_ORIGINAL_HEADERS, DsnMessage.readHeaderSection(new ByteArrayInputStream(endless)).length);
    }
}
