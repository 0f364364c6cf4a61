package io.mailserver.mta.smtp.check;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

import io.mailserver.mta.smtp.Replies;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.Transaction;

/**
 * The operator's forbidden patterns ({@code content.reject-pattern}, repeatable), searched while the message
 * streams in: each header field unfolded (so a pattern can span a folded line), then each body line; a match is
 * {@code 554 5.7.1}. Text is decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD). A body line longer than
 * the framing's fragment size (8 KiB) and a header field longer than {@link HeaderField#MAX_LENGTH} are searched
 * piecewise.
 */
public record ContentPatternCheck(List<Pattern> patterns) implements DataCheck {
    public ContentPatternCheck {
        patterns = List.copyOf(patterns);
    }

    @Override
    public MessageScan open(SmtpSession session, Transaction transaction) {
        if (patterns.isEmpty()) {
            return new MessageScan() { }; // nothing to search: no decoding either
        }
        return new MessageScan() {
            @Override
            public CheckResult headerField(HeaderField field) {
                return judge(field.unfolded());
            }

            @Override
            public CheckResult bodyLine(byte[] bytes, int offset, int length, boolean endsLine) {
                return judge(new String(bytes, offset, length, StandardCharsets.UTF_8));
            }
        };
    }

    private CheckResult judge(CharSequence text) {
        for (Pattern p : patterns) {
            if (p.matcher(text).find()) {
                return CheckResult.reject(Replies.CONTENT_REJECTED);
            }
        }
        return CheckResult.accept();
    }
}
