package io.mailserver.mta.smtp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One mail transaction's envelope (RFC 5321 3.3). RSET, HELO and EHLO replace it whole with a new one
 * (RFC 5321 4.1.1.1, 4.1.1.5), and so will STARTTLS, so nothing leaks from one message to the next.
 */
public final class Transaction {
    private ReversePath sender;
    private MailParameters parameters = MailParameters.NONE;
    private final List<AcceptedRecipient> recipients = new ArrayList<>();
    private int rcptAttempts;

    public ReversePath sender() {
        return sender;
    }

    public MailParameters parameters() {
        return parameters;
    }

    public void start(ReversePath from, MailParameters params) {
        this.sender = from;
        this.parameters = params;
    }

    public List<AcceptedRecipient> recipients() {
        return Collections.unmodifiableList(recipients);
    }

    public void addRecipient(AcceptedRecipient r) {
        recipients.add(r);
    }

    public void countRcptAttempt() {
        rcptAttempts++;
    }

    public int rcptAttempts() {
        return rcptAttempts;
    }

    public SmtpState state() {
        if (sender == null) {
            return SmtpState.GREETED;
        }
        return recipients.isEmpty() ? SmtpState.MAIL : SmtpState.RCPT;
    }

    /** Every local user once, however many recipients (aliases, lists, repeated RCPT) lead to them. */
    public Set<Long> localUserIds() {
        Set<Long> ids = new LinkedHashSet<>();
        for (AcceptedRecipient r : recipients) {
            ids.addAll(r.localUserIds());
        }
        return ids;
    }

    /** Every remote address once (domains compared case-insensitively, local parts as given). */
    public List<String> remoteAddresses() {
        Set<String> seen = new LinkedHashSet<>();
        List<String> out = new ArrayList<>();
        for (AcceptedRecipient r : recipients) {
            for (String a : r.remoteAddresses()) {
                int at = a.lastIndexOf('@');
                String key = at < 0 ? a : a.substring(0, at) + a.substring(at).toLowerCase(Locale.ROOT);
                if (seen.add(key)) {
                    out.add(a);
                }
            }
        }
        return out;
    }
}
