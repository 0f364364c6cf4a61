package io.mailserver.mta.smtp;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import io.mailserver.config.PlaintextAuth;
import io.mailserver.config.ServerConfig;
import io.mailserver.config.ServerConfig.Disclosure;

/** The configuration the protocol core reads, taken once from {@link ServerConfig}. */
public record SmtpSettings(
        String hostname,
        long maxMessageSize,
        int maxRecipients,
        int commandLineLimit,
        int maxErrors,
        Duration errorDelay,
        Disclosure vrfy,
        Disclosure expn,
        boolean rejectBareNewline,
        boolean rejectLongDataLines,
        int maxReceivedHeaders,
        List<Pattern> contentRules,
        Optional<String> postmaster,
        Optional<String> defaultDomain,
        PlaintextAuth mxPlaintextAuth,
        PlaintextAuth submissionPlaintextAuth,
        boolean checkSenderDomain) {

    /** How long an error reply is held back once a session has made more than half of {@code limits.errors} errors (Postfix: 1 s). */
    public static final Duration DEFAULT_ERROR_DELAY = Duration.ofSeconds(1);

    public SmtpSettings {
        contentRules = List.copyOf(contentRules);
    }

    public static SmtpSettings from(ServerConfig c) {
        return new SmtpSettings(c.hostname(), c.maxMessageSize(), c.maxRecipients(), c.commandLineLimit(), c.maxErrors(),
                DEFAULT_ERROR_DELAY, c.vrfy(), c.expn(), c.rejectBareNewline(), c.rejectLongDataLines(),
                c.maxReceivedHeaders(), c.contentRejectPatterns(), c.postmasterAddress(), c.defaultDomain(), c.smtpPlaintextAuth(),
                c.submissionPlaintextAuth(), c.checkSenderDomain());
    }

    public SmtpSettings withErrorDelay(Duration delay) {
        return new SmtpSettings(hostname, maxMessageSize, maxRecipients, commandLineLimit, maxErrors, delay, vrfy, expn,
                rejectBareNewline, rejectLongDataLines, maxReceivedHeaders, contentRules, postmaster, defaultDomain, mxPlaintextAuth,
                submissionPlaintextAuth, checkSenderDomain);
    }

    /**
     * Whether this session may log in (and is offered AUTH): under TLS always; before it as the listener's
     * {@code smtp.plaintext-auth} / {@code submission.plaintext-auth} says for the client's address. The implicit-TLS
     * port is encrypted from the start, so only the two plain listeners have a setting.
     */
    public boolean authAllowed(SmtpSession session) {
        if (session.tlsActive()) {
            return true;
        }
        PlaintextAuth policy = session.profile() == ListenerProfile.SUBMISSION ? submissionPlaintextAuth : mxPlaintextAuth;
        return policy.permits(session.remoteAddress());
    }
}
