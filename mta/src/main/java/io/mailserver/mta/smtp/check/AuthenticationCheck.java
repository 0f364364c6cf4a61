package io.mailserver.mta.smtp.check;

import io.mailserver.mailauth.dmarc.DmarcChecker;
import io.mailserver.mailauth.dmarc.DmarcVerdict;
import io.mailserver.mailauth.dmarc.FromDomains;
import io.mailserver.mailauth.results.AuthenticationResults;
import io.mailserver.mailauth.results.DkimResult;
import io.mailserver.mailauth.spf.SpfChecker;
import io.mailserver.mailauth.spf.SpfResult;
import io.mailserver.mailauth.spf.SpfVerdict;
import io.mailserver.mta.smtp.ListenerProfile;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.Transaction;
import io.mailserver.session.Printable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SPF, DKIM and DMARC of a message on the MX listener, with one Authentication-Results header on top
 * (RFC 8601); see docs/authentication.md.
 * <ul>
 * <li>Every message: an incoming Authentication-Results field claiming this server's authserv-id is left out
 *     of the stored message (RFC 8601 5); one too long to arrive whole (over {@link HeaderField#MAX_LENGTH})
 *     refuses the message instead, as it cannot be left out.</li>
 * <li>A client neither in a trusted network nor authenticated: at the end of data SPF (MAIL FROM, or HELO for
 *     {@code <>}), the DKIM verifier's results and DMARC are evaluated. DMARC {@code p=reject} failures are
 *     refused ({@code auth.dmarc-reject}); SPF fails only with {@code auth.spf-fail = reject} and only when
 *     DMARC did not pass (RFC 7489 10.1). A temporary DNS error gives 451 only where a refusal would
 *     otherwise follow; otherwise the message is accepted with the header.</li>
 * </ul>
 */
public final class AuthenticationCheck implements DataCheck {
    private static final Logger log = LoggerFactory.getLogger(AuthenticationCheck.class);
    private static final String AUTH_RESULTS = "Authentication-Results";
    /** RFC 7208 has no code of its own for DMARC; 5.7.1 "delivery not authorized", as the large providers answer. */
    static final String DMARC_REJECT_CODE = "5.7.1";
    /** RFC 7372 3.2: SPF validation failed / SPF validation error. */
    static final String SPF_FAIL_CODE = "5.7.23";
    static final String SPF_ERROR_CODE = "4.7.24";
    /** At most this many From fields are kept for DMARC (RFC 5322 allows one). */
    private static final int MAX_FROM_FIELDS = 10;
    /** The part of a reply line that text from DNS may fill (RFC 5321 4.5.3.1.5: 512 octets per line). */
    private static final int MAX_DNS_TEXT = 300;

    private final String authservId;
    private final SpfChecker spf;
    private final DmarcChecker dmarc;
    private final DkimVerification dkim;
    private final boolean rejectSpfFail;
    private final boolean enforceDmarcReject;

    public AuthenticationCheck(String authservId, SpfChecker spf, DmarcChecker dmarc, DkimVerification dkim, boolean rejectSpfFail,
                               boolean enforceDmarcReject) {
        this.authservId = authservId;
        this.spf = spf;
        this.dmarc = dmarc;
        this.dkim = dkim;
        this.rejectSpfFail = rejectSpfFail;
        this.enforceDmarcReject = enforceDmarcReject;
    }

    @Override
    public MessageScan open(SmtpSession session, Transaction transaction) {
        if (session.profile() != ListenerProfile.MX) {
            return new MessageScan() {
            };
        }
        // trusted networks and authenticated users are not checked, but nobody may forge our results
        return new Scan(session, transaction, session.isTrusted() ? null : dkim.start());
    }

    private final class Scan implements MessageScan {
        private final SmtpSession session;
        private final Transaction transaction;
        /** Null when the message is not evaluated, only cleaned. */
        private final DkimVerification.Message verification;
        private final List<String> fromValues = new ArrayList<>();
        private HeaderField leftOut;
        private int removed;

        Scan(SmtpSession session, Transaction transaction, DkimVerification.Message verification) {
            this.session = session;
            this.transaction = transaction;
            this.verification = verification;
        }

        @Override
        public CheckResult headerField(HeaderField field) {
            feed(field.bytes(), 0, field.bytes().length, false);
            if (field.nameIs(AUTH_RESULTS)) {
                String value = field.unfolded().substring(field.unfolded().indexOf(':') + 1);
                String id = AuthenticationResults.authservId(value, field.whole());
                if (id == null || id.toLowerCase(Locale.ROOT).equals(authservId.toLowerCase(Locale.ROOT))) {
                    if (!field.whole()) {
                        return CheckResult.reject(554, "5.7.1", "Error: an " + AUTH_RESULTS + " field claiming "
                                + authservId + " is too long");
                    }
                    leftOut = field;
                    removed++;
                }
            } else if (field.nameIs("From") && fromValues.size() < MAX_FROM_FIELDS) {
                fromValues.add(field.unfolded().substring(field.unfolded().indexOf(':') + 1).trim());
            }
            return CheckResult.accept();
        }

        @Override
        public boolean keep(HeaderField field) {
            return field != leftOut;
        }

        @Override
        public CheckResult headerEnd() {
            feed(null, 0, 0, true);
            return CheckResult.accept();
        }

        @Override
        public CheckResult bodyLine(byte[] bytes, int offset, int length, boolean endsLine) {
            feed(bytes, offset, length, endsLine);
            return CheckResult.accept();
        }

        /** The DKIM verifier sees the message as received: our removals and additions are not part of it. */
        private void feed(byte[] bytes, int offset, int length, boolean crlf) {
            if (verification == null) {
                return;
            }
            try {
                OutputStream out = verification.content();
                if (bytes != null) {
                    out.write(bytes, offset, length);
                }
                if (crlf) {
                    out.write('\r');
                    out.write('\n');
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public CheckResult end() {
            if (removed > 0) {
                log.info("left out {} {} field(s) claiming to be ours, from {}", removed, AUTH_RESULTS, session.clientForLog());
            }
            if (verification == null) {
                return CheckResult.accept();
            }
            String mailFrom = transaction.sender().isNull() ? "" : transaction.sender().envelopeAddress();
            SpfVerdict spfVerdict = spf.check(session.remoteAddress(), session.helo(), mailFrom);
            List<DkimResult> dkimResults = verification.results();
            DmarcVerdict dmarcVerdict = dmarc.check(FromDomains.of(fromValues), spfVerdict, dkimResults);
            log.info("auth from {}: spf={} ({}) dkim={} dmarc={} ({}) header.from={}", session.clientForLog(), spfVerdict.result().keyword(),
                    Printable.forLog(spfVerdict.reason()), dkimResults.isEmpty() ? "none" : dkimResults.stream().map(DkimResult::result).toList(),
                    dmarcVerdict.result(), Printable.forLog(dmarcVerdict.reason()), dmarcVerdict.fromDomain());
            CheckResult refusal = decide(spfVerdict, dmarcVerdict);
            if (refusal != null) {
                return refusal;
            }
            return CheckResult.acceptWithHeader(AuthenticationResults.render(authservId, spfVerdict, dkimResults, dmarcVerdict));
        }
    }

    private CheckResult decide(SpfVerdict spfVerdict, DmarcVerdict dmarcVerdict) {
        String from = dmarcVerdict.fromDomain();
        if (enforceDmarcReject && dmarcVerdict.action() == DmarcVerdict.Action.REJECT) {
            return CheckResult.reject(550, DMARC_REJECT_CODE, "Email rejected per DMARC policy for " + from);
        }
        if (enforceDmarcReject && dmarcVerdict.action() == DmarcVerdict.Action.TEMPFAIL) {
            return CheckResult.tempFail(451, "4.7.1", "DMARC check of " + from + " failed temporarily (DNS); try again later");
        }
        if (rejectSpfFail && !dmarcVerdict.result().equals("pass")) {
            if (spfVerdict.result() == SpfResult.FAIL) {
                String why = spfVerdict.explanation() != null ? spfVerdict.explanation() : "SPF of " + spfVerdict.domain() + " does not allow this client";
                return CheckResult.reject(550, SPF_FAIL_CODE, "SPF check failed: " + replyText(why));
            }
            if (spfVerdict.result() == SpfResult.TEMPERROR) {
                return CheckResult.tempFail(451, SPF_ERROR_CODE, "SPF check of " + spfVerdict.domain() + " failed temporarily (DNS); try again later");
            }
        }
        return null;
    }

    /**
     * Text from DNS (a list's TXT record, a domain's SPF explanation) made fit for a reply line: control
     * characters escaped, so it cannot end the reply early, and cut so the line stays short.
     */
    static String replyText(String fromDns) {
        String safe = Printable.forLog(fromDns);
        return safe.length() <= MAX_DNS_TEXT ? safe : safe.substring(0, MAX_DNS_TEXT) + "...";
    }
}
