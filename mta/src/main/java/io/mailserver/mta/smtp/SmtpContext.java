package io.mailserver.mta.smtp;

import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import io.mailserver.mta.smtp.check.InboundChecks;
import io.mailserver.store.MailStore;

/**
 * What the sessions of one server share: settings, the store, the command handlers, the inbound checks
 * ({@link InboundChecks}) and the extra EHLO keywords. The TLS layer registers STARTTLS/AUTH handlers with
 * {@link #register} and advertises them with {@link #addEhloKeywords}.
 */
public final class SmtpContext {
    /** Extra EHLO keywords for a session (e.g. STARTTLS before TLS, AUTH after). */
    @FunctionalInterface
    public interface EhloKeywords {
        List<String> keywords(SmtpSession session);
    }

    /**
     * Test-facing: sees each outcome's replies just before the adapter writes them to the socket, e.g. to
     * check that no {@code 250} to DATA leaves before the disk sync that covers its message.
     */
    @FunctionalInterface
    public interface ReplyListener {
        void sending(SmtpSession session, List<SmtpReply> replies);
    }

    private final SmtpSettings settings;
    private final MailStore store;
    private final Clock clock;
    private final InboundChecks checks;
    private final Map<Verb, CommandHandler> handlers = new EnumMap<>(Verb.class);
    private final List<EhloKeywords> ehloKeywords = new CopyOnWriteArrayList<>();
    private final List<Runnable> remoteQueuedListeners = new CopyOnWriteArrayList<>();
    private final RecipientResolver resolver;
    private final VerifyCommands verify;
    private volatile boolean shuttingDown;
    private volatile ReplyListener replyListener;

    /** With the standard checks that need no DNS (see {@link InboundChecks#standard}). */
    public SmtpContext(SmtpSettings settings, MailStore store, Clock clock) {
        this(settings, store, clock, InboundChecks.standard(settings, store, Optional.empty()));
    }

    public SmtpContext(SmtpSettings settings, MailStore store, Clock clock, InboundChecks checks) {
        this.settings = settings;
        this.store = store;
        this.clock = clock;
        this.checks = checks;
        this.resolver = new RecipientResolver(store, settings);
        this.verify = new VerifyCommands(store, settings, resolver);
        StandardCommands.registerAll(this);
    }

    public SmtpSettings settings() {
        return settings;
    }

    public MailStore store() {
        return store;
    }

    public Clock clock() {
        return clock;
    }

    public InboundChecks checks() {
        return checks;
    }

    RecipientResolver resolver() {
        return resolver;
    }

    VerifyCommands verify() {
        return verify;
    }

    /** Sets (or replaces) the handler of a verb. */
    public synchronized void register(Verb verb, CommandHandler handler) {
        handlers.put(verb, handler);
    }

    synchronized CommandHandler handler(Verb verb) {
        return handlers.get(verb);
    }

    public void addEhloKeywords(EhloKeywords keywords) {
        ehloKeywords.add(keywords);
    }

    List<String> extraEhloKeywords(SmtpSession session) {
        List<String> out = new ArrayList<>();
        for (EhloKeywords k : ehloKeywords) {
            out.addAll(k.keywords(session));
        }
        return out;
    }

    /** Called (on a handler thread; must not block) after a message with remote recipients was committed: the queue runner wakes up. */
    public void addRemoteQueuedListener(Runnable listener) {
        remoteQueuedListeners.add(listener);
    }

    void remoteQueued() {
        remoteQueuedListeners.forEach(Runnable::run);
    }

    /** Sets the test-facing {@link ReplyListener} (null: none, the normal case). */
    public void replyListener(ReplyListener listener) {
        replyListener = listener;
    }

    /** The adapter calls this with every outcome's replies right before it writes them. */
    public void sending(SmtpSession session, List<SmtpReply> replies) {
        ReplyListener l = replyListener;
        if (l != null && !replies.isEmpty()) {
            l.sending(session, replies);
        }
    }

    /** From now on, sessions finish the message they are receiving and then get 421 4.3.2. */
    public void beginShutdown() {
        shuttingDown = true;
    }

    public boolean isShuttingDown() {
        return shuttingDown;
    }
}
