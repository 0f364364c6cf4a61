package io.mailserver.mta.smtp;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.mta.smtp.check.CheckResult;
import io.mailserver.session.Line;
import io.mailserver.session.TlsInfo;
import io.mailserver.store.StoreException;

/**
 * One SMTP server session, free of any network type: the adapter feeds it {@link Line}s and carries
 * out the {@link Outcome}s. It frames commands (length limit, control bytes, bare newlines), applies
 * the command table's policy (state, pipelining, TLS/AUTH requirements), dispatches to the handlers,
 * keeps the error count (tarpit past half of {@code limits.errors}, 421 at the limit) and receives
 * message content after 354.
 *
 * <p>Not thread-safe: the adapter calls it for one session at a time, in order.
 */
public final class SmtpProtocol {
    private static final Logger log = LoggerFactory.getLogger(SmtpProtocol.class);

    private final SmtpContext context;
    private final SmtpSettings settings;
    private final SmtpSession session;
    private Transaction transaction = new Transaction();

    /** Message content being received, or null. */
    private DataCommand.Message incoming;
    /** A command line arriving in fragments (longer than the decoder's fragment size). */
    private final ByteArrayOutputStream partialCommand = new ByteArrayOutputStream();
    private boolean partialTooLong;
    private boolean closed;
    private boolean improperPipeliningLogged;

    /**
     * The next step of a multi-line exchange (AUTH's SASL, RFC 4954 4): it receives the client's next line
     * instead of the command parser.
     */
    @FunctionalInterface
    public interface Continuation {
        /** {@code line} holds the client's response without CRLF; it is wiped afterwards (it may carry a password). */
        Outcome onResponse(SmtpProtocol protocol, byte[] line);
    }

    /** The exchange waiting for the client's next line, or null. */
    private Continuation continuation;

    public SmtpProtocol(SmtpContext context, SmtpSession session) {
        this.context = context;
        this.settings = context.settings();
        this.session = session;
    }

    // ---- what handlers use

    public SmtpSession session() {
        return session;
    }

    public SmtpSettings settings() {
        return settings;
    }

    public SmtpContext context() {
        return context;
    }

    public Transaction transaction() {
        return transaction;
    }

    /** Makes the client's next line go to {@code next} (a 334 challenge has been sent). */
    public void expectResponse(Continuation next) {
        this.continuation = next;
    }

    /**
     * STARTTLS accepted (RFC 3207 4.2): the envelope, the EHLO argument and any exchange in progress are
     * forgotten; the client must send EHLO again once TLS is up.
     */
    public void resetForTls() {
        resetTransaction();
        session.forgetGreeting();
        continuation = null;
    }

    /** The TLS handshake completed (after STARTTLS, or at once on an implicit-TLS port). */
    public void tlsEstablished(TlsInfo negotiated) {
        session.tlsEstablished(negotiated);
        log.info("TLS established with {}: {}", session.remoteLiteral(), negotiated);
    }

    /** RSET, HELO, EHLO (and STARTTLS): the envelope is replaced whole. */
    public void resetTransaction() {
        transaction = new Transaction();
    }

    public SmtpState state() {
        return session.helo() == null ? SmtpState.CONNECTED : transaction.state();
    }

    /** True while message content is being received (the adapter then uses the DATA timeout). */
    public boolean inData() {
        return incoming != null;
    }

    public boolean isClosed() {
        return closed;
    }

    // ---- events from the adapter

    /**
     * The CONNECT checks, run before the greeting on a handler thread (they may block): null to greet, else the
     * refusal to send instead, after which the connection closes whatever the kind of refusal.
     */
    public Outcome onConnect() {
        CheckResult result = context.checks().atConnect(session);
        if (result.accepted()) {
            return null;
        }
        log.info("reject CONNECT from {}: {}", session.remoteLiteral(), result.reply().summary());
        session.countCommand("connect", false);
        return track(Outcome.replyAndClose(result.reply()));
    }

    public SmtpReply greeting() {
        log.info("connect from {}{}", session.remoteLiteral(), session.isTrustedNetwork() ? " (trusted network)" : "");
        return Replies.greeting(settings.hostname());
    }

    public Outcome onLine(Line line) {
        if (closed) {
            return Outcome.NOTHING;
        }
        try {
            Outcome outcome = incoming != null ? onDataLine(line) : onCommandLine(line);
            return track(outcome);
        } catch (StoreException e) {
            log.warn("store problem, answered 451: {}", e.getMessage());
            abortData();
            return Outcome.reply(Replies.LOCAL_ERROR);
        } catch (RuntimeException e) {
            log.error("internal error; closing the session", e);
            abortData();
            return track(Outcome.replyAndClose(Replies.internalError(settings.hostname())));
        }
    }

    /** The client sent before our greeting reached it (Postfix: "improper command pipelining after CONNECT"). */
    public Outcome onEarlyTalk() {
        log.info("improper command pipelining after CONNECT from {}: refused", session.clientForLog());
        session.countCommand("unknown", false);
        return track(Outcome.replyAndClose(Replies.PROTOCOL_SYNCHRONIZATION));
    }

    /** The idle timeout passed (RFC 5321 4.5.3.2). */
    public Outcome onTimeout() {
        if (closed) {
            return Outcome.NOTHING;
        }
        log.info("timeout after {} from {}", incoming != null ? "DATA" : "command", session.clientForLog());
        abortData();
        return track(Outcome.replyAndClose(Replies.timeout(settings.hostname())));
    }

    /** The server is stopping: a session receiving a message may finish it; any other gets 421 now. */
    public Outcome onShutdown() {
        if (closed || incoming != null) {
            return Outcome.NOTHING;
        }
        return track(Outcome.replyAndClose(Replies.shuttingDown(settings.hostname())));
    }

    /** The connection is gone: whatever was being received is discarded, and the session summary logged. */
    public void onDisconnect() {
        if (incoming != null) {
            log.info("lost connection after DATA ({} bytes) from {}; nothing stored", incoming.size(), session.clientForLog());
            abortData();
        }
        closed = true;
        log.info("disconnect from {} {}", session.clientForLog(), session.commandSummary());
    }

    private Outcome track(Outcome outcome) {
        if (outcome.close()) {
            closed = true;
        }
        return outcome;
    }

    // ---- commands

    private Outcome onCommandLine(Line line) {
        if (!line.isComplete()) {
            // RFC 5321 4.5.3.1.4: keep at most the limit, discard the rest of an over-long line
            if (!partialTooLong && partialCommand.size() + line.length() + 2 <= settings.commandLineLimit()) {
                partialCommand.write(line.bytes(), 0, line.length());
            } else {
                partialTooLong = true;
                partialCommand.reset();
            }
            return Outcome.NOTHING;
        }
        byte[] bytes = line.bytes();
        boolean tooLong = partialTooLong;
        if (partialCommand.size() > 0) {
            partialCommand.write(bytes, 0, bytes.length);
            bytes = partialCommand.toByteArray();
        }
        partialCommand.reset();
        partialTooLong = false;
        if (tooLong || bytes.length + 2 > settings.commandLineLimit()) {
            continuation = null;
            return error(null, "unknown", Replies.LINE_TOO_LONG);
        }
        if (line.ending() != Line.Ending.CRLF && settings.rejectBareNewline()) {
            continuation = null;
            // RFC 5321 2.3.8: lines end with CRLF; a bare LF/CR is how smuggling starts
            return error(null, "unknown", Replies.BARE_NEWLINE_IN_COMMAND);
        }
        for (byte b : bytes) {
            if ((b >= 0 && b < 32) || b == 127) {
                continuation = null;
                return error(null, "unknown", Replies.CONTROL_CHARACTERS);
            }
        }
        if (continuation != null) {
            Continuation next = continuation;
            continuation = null;
            try {
                return finish(Verb.AUTH, next.onResponse(this, bytes));
            } finally {
                Arrays.fill(bytes, (byte) 0);
                Arrays.fill(line.bytes(), (byte) 0);
            }
        }
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).stripTrailing();
        if (text.isEmpty()) {
            return error(null, "unknown", Replies.EMPTY_COMMAND);
        }
        int space = text.indexOf(' ');
        String word = space < 0 ? text : text.substring(0, space);
        String argument = space < 0 ? "" : text.substring(space + 1).stripLeading();
        Verb verb = Verb.lookup(word).orElse(null);
        if (verb == null) {
            return error(null, "unknown", Replies.UNKNOWN_COMMAND);
        }
        if (line.moreBuffered() && verb.endsGroup() && verb != Verb.QUIT) {
            // RFC 2920 3.1: nothing may follow these in one group; after DATA the bytes would be read as
            // commands if DATA failed, so that session ends (Postfix: smtpd_forbid_unauth_pipelining)
            logImproperPipelining(verb);
            if (verb == Verb.DATA) {
                abortData();
                return finish(verb, Outcome.replyAndClose(Replies.PROTOCOL_SYNCHRONIZATION));
            }
        } else if (line.moreBuffered() && !session.esmtp()) {
            logImproperPipelining(verb); // PIPELINING was never offered (HELO, or no greeting yet)
        }
        SmtpReply refusal = requirementRefusal(verb);
        if (refusal != null) {
            return finish(verb, Outcome.reply(refusal));
        }
        CommandHandler handler = context.handler(verb);
        if (handler == null) {
            return finish(verb, Outcome.reply(Replies.NOT_IMPLEMENTED));
        }
        if (!verb.allowedIn(state())) {
            return finish(verb, Outcome.reply(sequenceError(verb)));
        }
        return finish(verb, handler.handle(this, argument));
    }

    private void logImproperPipelining(Verb verb) {
        if (!improperPipeliningLogged) {
            improperPipeliningLogged = true;
            log.info("improper command pipelining after {} from {}", verb, session.clientForLog());
        }
    }

    private SmtpReply requirementRefusal(Verb verb) {
        if (verb.requiresTls() && !settings.authAllowed(session)) {
            return Replies.TLS_REQUIRED;
        }
        if (verb.requiresAuthOnSubmission() && session.profile() == ListenerProfile.SUBMISSION && session.authenticatedUser() == null) {
            return Replies.AUTH_REQUIRED;
        }
        return null;
    }

    /** RFC 5321 4.1.4 / 4.3.2: the command is fine but not now. */
    private SmtpReply sequenceError(Verb verb) {
        SmtpState state = state();
        return switch (verb) {
            case MAIL -> state == SmtpState.CONNECTED ? Replies.NEED_HELO : Replies.NESTED_MAIL;
            case RCPT -> Replies.NEED_MAIL;
            case DATA -> state == SmtpState.MAIL
                    ? (transaction.rcptAttempts() > 0 ? Replies.NO_VALID_RECIPIENTS : Replies.NEED_RCPT)
                    : Replies.NEED_MAIL;
            case AUTH -> state == SmtpState.CONNECTED ? Replies.NEED_HELO
                    : SmtpReply.of(503, "5.5.1", "Error: MAIL transaction in progress");
            default -> SmtpReply.of(503, "5.5.1", "Error: bad sequence of commands");
        };
    }

    private Outcome error(Verb verb, String name, SmtpReply reply) {
        session.countCommand(name, false);
        return countErrors(verb, Outcome.reply(reply));
    }

    /** Counts the command for the summary line and errors for the limits. DATA is counted at its end. */
    private Outcome finish(Verb verb, Outcome outcome) {
        SmtpReply first = outcome.first();
        boolean exchangeGoesOn = verb == Verb.AUTH && continuation != null; // counted when it ends
        if ((verb != Verb.DATA || incoming == null) && !exchangeGoesOn) {
            session.countCommand(verb.logName(), first != null && first.isPositive());
        }
        return countErrors(verb, outcome);
    }

    /** Past half the limit each error reply waits {@code errorDelay}; at the limit, 421 4.7.0 and close. */
    private Outcome countErrors(Verb verb, Outcome outcome) {
        SmtpReply first = outcome.first();
        boolean error = first != null && first.isPermanentFailure();
        if (!error && verb != null && verb.errorForStrangers() && !session.isTrusted()) {
            error = true; // address harvesting: strangers' VRFY/EXPN are errors whatever the answer
        }
        if (!error || outcome.close()) {
            return outcome;
        }
        int errors = session.addError();
        if (errors >= settings.maxErrors()) {
            log.info("too many errors ({}) from {}", errors, session.clientForLog());
            abortData();
            return outcome.then(Replies.tooManyErrors(settings.hostname()), true);
        }
        if (errors > settings.maxErrors() / 2 && settings.errorDelay().compareTo(outcome.delay()) > 0) {
            return outcome.delayed(settings.errorDelay()); // never shortens a longer delay (failed AUTH)
        }
        return outcome;
    }

    // ---- DATA

    /** Called by DATA after 354: the client's next lines are this message's content. */
    void receive(DataCommand.Message message) {
        incoming = message;
    }

    private Outcome onDataLine(Line line) {
        if (!incoming.accept(line)) {
            return Outcome.NOTHING;
        }
        DataCommand.Message done = incoming;
        incoming = null;
        resetTransaction(); // RFC 5321 4.1.1.4: the end of data clears the transaction, whatever its fate
        Outcome outcome = done.finish(this);
        SmtpReply reply = outcome.first();
        session.countCommand(Verb.DATA.logName(), reply != null && reply.isPositive());
        if (context.isShuttingDown() && !outcome.close()) {
            outcome = outcome.then(Replies.shuttingDown(settings.hostname()), true);
        }
        return outcome;
    }

    private void abortData() {
        if (incoming != null) {
            incoming.discard();
            incoming = null;
        }
    }
}
