package io.mailserver.mta.auth;

import io.mailserver.config.HostPort;
import io.mailserver.config.ServerConfig;
import io.mailserver.mailauth.client.Dnsbl;
import io.mailserver.mailauth.client.ForwardConfirmedName;
import io.mailserver.mailauth.dmarc.DmarcChecker;
import io.mailserver.mailauth.dmarc.DmarcVerdict;
import io.mailserver.mailauth.dmarc.FromDomains;
import io.mailserver.mailauth.results.AuthenticationResults;
import io.mailserver.mailauth.results.DkimResult;
import io.mailserver.mailauth.results.IncomingHeaderFilter;
import io.mailserver.mailauth.spf.DnsjavaSpfDns;
import io.mailserver.mailauth.spf.SpfChecker;
import io.mailserver.mailauth.spf.SpfDns;
import io.mailserver.mailauth.spf.SpfResult;
import io.mailserver.mailauth.spf.SpfVerdict;
import io.mailserver.mta.smtp.InboundChecks;
import io.mailserver.mta.smtp.ListenerProfile;
import io.mailserver.mta.smtp.PolicyResult;
import io.mailserver.mta.smtp.SmtpContext;
import io.mailserver.mta.smtp.SmtpReply;
import io.mailserver.mta.smtp.SmtpSession;
import io.mailserver.mta.smtp.Transaction;
import io.mailserver.net.Printable;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound mail-authentication checks, one class wiring mailauth to the SMTP core:
 * <ul>
 * <li>at connect: the client's forward-confirmed reverse name for the Received header
 *     ({@code auth.reverse-dns}), then the DNS blocklists ({@code auth.dnsbl}; not for trusted networks):
 *     a listed client of the MX listener gets {@code 554 5.7.1} with the list's text instead of the greeting;</li>
 * <li>per message on the MX listener ({@code auth.checks}): any incoming Authentication-Results claiming this
 *     server's authserv-id is removed (RFC 8601 5); for a client that is neither in a trusted network nor
 *     authenticated, SPF (MAIL FROM, or HELO for {@code <>}), the DKIM verifier's results and DMARC are
 *     evaluated at the end of data and written into one Authentication-Results header on top of the
 *     message; DMARC {@code p=reject} failures are refused ({@code auth.dmarc-reject}), SPF fails too when
 *     {@code auth.spf-fail = reject}. Temporary DNS errors give 451 only where a refusal would otherwise follow.</li>
 * </ul>
 */
public final class MailAuthentication implements InboundChecks {
    private static final Logger log = LoggerFactory.getLogger(MailAuthentication.class);

    /** RFC 7489 has no code of its own; 5.7.1 "delivery not authorized", as the large providers answer. */
    static final String DMARC_REJECT_CODE = "5.7.1";
    /** RFC 7372 3.2: SPF validation failed / SPF validation error. */
    static final String SPF_FAIL_CODE = "5.7.23";
    static final String SPF_ERROR_CODE = "4.7.24";
    /** The part of a reply line that DNS text may fill. */
    private static final int MAX_DNS_TEXT = 300;

    private final String hostname;
    private final boolean checkMessages;
    private final boolean rejectSpfFail;
    private final boolean enforceDmarcReject;
    private final SpfChecker spf;
    private final DmarcChecker dmarc;
    private final Dnsbl dnsbl;
    private final ForwardConfirmedName reverseDns;
    private final DkimVerification dkim;

    /**
     * @param reverseDns null to leave the client's name out of Received
     * @param dkim the DKIM verifier, or {@link DkimVerification#NONE}
     */
    public MailAuthentication(String hostname, SpfDns dns, boolean checkMessages, boolean rejectSpfFail, boolean enforceDmarcReject,
                              List<String> dnsblZones, boolean reverseDns, DkimVerification dkim, Clock clock, RandomGenerator random) {
        this.hostname = hostname;
        this.checkMessages = checkMessages;
        this.rejectSpfFail = rejectSpfFail;
        this.enforceDmarcReject = enforceDmarcReject;
        this.spf = new SpfChecker(dns, hostname, clock);
        this.dmarc = new DmarcChecker(dns, random);
        this.dnsbl = new Dnsbl(dns, dnsblZones);
        this.reverseDns = reverseDns ? new ForwardConfirmedName(dns) : null;
        this.dkim = dkim;
    }

    /** From the configuration: {@code auth.*} keys, DNS through {@code dns.resolver} with {@code auth.dns-timeout}. */
    public static MailAuthentication from(ServerConfig config, DkimVerification dkim) {
        Optional<HostPort> server = config.dnsResolver();
        SpfDns dns = server.isPresent()
                ? DnsjavaSpfDns.forServer(server.get().host(), server.get().port(), config.authDnsTimeout())
                : DnsjavaSpfDns.system(config.authDnsTimeout());
        return new MailAuthentication(config.hostname(), dns, config.authChecks(), config.rejectSpfFail(), config.enforceDmarcReject(),
                config.dnsblZones(), config.reverseDns(), dkim, Clock.systemUTC(), new Random());
    }

    /** Installs these checks into the SMTP core's sessions. */
    public void install(SmtpContext context) {
        context.inboundChecks(this);
    }

    @Override
    public PolicyResult connect(SmtpSession session) {
        if (reverseDns != null) {
            session.clientName(reverseDns.of(session.remoteAddress()).orElse("unknown"));
        }
        // submission is for users on any network (home addresses are often listed); trusted networks are ours
        if (session.profile() != ListenerProfile.MX || session.isTrustedNetwork() || dnsbl.isEmpty()) {
            return PolicyResult.ACCEPT;
        }
        return dnsbl.check(session.remoteAddress())
                .map(l -> (PolicyResult) new PolicyResult.Disconnect(SmtpReply.of(554, "5.7.1", "Service unavailable; client "
                        + session.remoteLiteral() + " blocked using " + l.zone() + "; " + replyText(l.text()))))
                .orElse(PolicyResult.ACCEPT);
    }

    @Override
    public MessageCheck message(SmtpSession session, Transaction transaction, OutputStream store) {
        if (!checkMessages || session.profile() != ListenerProfile.MX) {
            return null;
        }
        IncomingHeaderFilter filter = new IncomingHeaderFilter(store, hostname);
        if (session.isTrusted()) {
            // trusted networks and authenticated users are not checked, but nobody may forge our results
            return new Check(filter, filter, null, session, transaction);
        }
        DkimVerification.Message verification = dkim.start();
        return new Check(new Tee(verification.content(), filter), filter, verification, session, transaction);
    }

    private final class Check implements MessageCheck {
        private final OutputStream content;
        private final IncomingHeaderFilter filter;
        private final DkimVerification.Message verification;
        private final SmtpSession session;
        private final Transaction transaction;

        Check(OutputStream content, IncomingHeaderFilter filter, DkimVerification.Message verification, SmtpSession session,
              Transaction transaction) {
            this.content = content;
            this.filter = filter;
            this.verification = verification;
            this.session = session;
            this.transaction = transaction;
        }

        @Override
        public OutputStream content() {
            return content;
        }

        @Override
        public Verdict finish() throws IOException {
            filter.finish();
            if (filter.removed() > 0) {
                log.info("removed {} Authentication-Results header(s) claiming to be ours from {}", filter.removed(), session.clientForLog());
            }
            if (verification == null) {
                return new Verdict(PolicyResult.ACCEPT, null);
            }
            String mailFrom = transaction.sender().isNull() ? "" : transaction.sender().envelopeAddress();
            SpfVerdict spfVerdict = spf.check(session.remoteAddress(), session.helo(), mailFrom);
            List<DkimResult> dkimResults = verification.results();
            DmarcVerdict dmarcVerdict = dmarc.check(FromDomains.of(filter.fromValues()), spfVerdict, dkimResults);
            log.info("auth from {}: spf={} ({}) dkim={} dmarc={} ({}) header.from={}", session.clientForLog(), spfVerdict.result().keyword(),
                    Printable.forLog(spfVerdict.reason()), dkimResults.isEmpty() ? "none" : dkimResults.stream().map(DkimResult::result).toList(),
                    dmarcVerdict.result(), Printable.forLog(dmarcVerdict.reason()), dmarcVerdict.fromDomain());
            byte[] header = AuthenticationResults.render(hostname, spfVerdict, dkimResults, dmarcVerdict);
            return new Verdict(decide(spfVerdict, dmarcVerdict), header);
        }
    }

    private PolicyResult decide(SpfVerdict spfVerdict, DmarcVerdict dmarcVerdict) {
        String from = dmarcVerdict.fromDomain();
        if (enforceDmarcReject && dmarcVerdict.action() == DmarcVerdict.Action.REJECT) {
            return PolicyResult.reject(SmtpReply.of(550, DMARC_REJECT_CODE, "Email rejected per DMARC policy for " + from));
        }
        if (enforceDmarcReject && dmarcVerdict.action() == DmarcVerdict.Action.TEMPFAIL) {
            return PolicyResult.tempFail(SmtpReply.of(451, "4.7.1", "DMARC check of " + from + " failed temporarily (DNS); try again later"));
        }
        if (rejectSpfFail && !dmarcVerdict.result().equals("pass")) {
            // RFC 7489 10.1: an SPF fail is refused only after DMARC had its say, so DKIM can still save forwarded mail
            if (spfVerdict.result() == SpfResult.FAIL) {
                String why = spfVerdict.explanation() != null ? spfVerdict.explanation() : "SPF of " + spfVerdict.domain() + " does not allow this client";
                return PolicyResult.reject(SmtpReply.of(550, SPF_FAIL_CODE, "SPF check failed: " + replyText(why)));
            }
            if (spfVerdict.result() == SpfResult.TEMPERROR) {
                return PolicyResult.tempFail(SmtpReply.of(451, SPF_ERROR_CODE, "SPF check of " + spfVerdict.domain()
                        + " failed temporarily (DNS); try again later"));
            }
        }
        return PolicyResult.ACCEPT;
    }

    /**
     * Text from DNS (a list's TXT record, a domain's SPF explanation) made fit for a reply line: control
     * characters escaped, so it cannot end the reply early, and cut so the line stays within RFC 5321's 512 octets.
     */
    static String replyText(String fromDns) {
        String safe = Printable.forLog(fromDns);
        return safe.length() <= MAX_DNS_TEXT ? safe : safe.substring(0, MAX_DNS_TEXT) + "...";
    }

    /** Writes everything to two streams: the DKIM verifier sees the message exactly as received. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            first.flush();
            second.flush();
        }
    }
}
