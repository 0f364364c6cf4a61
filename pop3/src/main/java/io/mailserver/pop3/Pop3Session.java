package io.mailserver.pop3;

import java.io.InputStream;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.session.Line;
import io.mailserver.session.Login;
import io.mailserver.session.TlsInfo;
import io.mailserver.store.MaildropStore;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.StoreException;
import io.mailserver.store.User;

/**
 * One POP3 conversation, free of any network type: lines in, replies out (RFC 1939 with RFC 2449 and
 * RFC 5034). The transport feeds lines one at a time, in order, from one thread at a time, sends each
 * reply whole, and calls {@link #connectionClosed} when the connection ends for any reason.
 *
 * <p>Login takes the store's maildrop lock and a snapshot; DELE marks live here; only QUIT from the
 * TRANSACTION state changes the store (docs/design.md, contract 3).
 */
public final class Pop3Session {
    private static final Logger log = LoggerFactory.getLogger(Pop3Session.class);

    private final Pop3Context ctx;
    private final Pop3Settings settings;
    private final InetAddress remote;
    private final SessionStats stats = new SessionStats();

    private Pop3State state = Pop3State.AUTHORIZATION;
    private String pendingUser;
    private boolean saslPending;
    private boolean discardingLongLine;
    private int errors;
    private final Login.Client login;

    private User user;
    private MaildropLease lease;
    private MaildropSnapshot maildrop;

    private boolean ended;
    private String endReason;
    /** What the TLS handshake negotiated, or null on a plaintext connection. */
    private TlsInfo tls;

    public Pop3Session(Pop3Context ctx, InetAddress remote) {
        this.ctx = ctx;
        this.settings = ctx.settings();
        this.remote = remote;
        this.login = new Login(ctx.users(), ctx.throttle(), settings.defaultDomain(), settings.authFailureDelay(), settings.authFailureDelayMax())
                .client(remote);
    }

    /** RFC 1939 section 4: the greeting. No APOP timestamp: APOP is not offered (see {@link ApopCommand}). */
    public String greeting() {
        return "+OK " + settings.hostname() + " POP3 server ready" + Pop3Reply.CRLF;
    }

    /** Handles one line from the client. The line's bytes are wiped afterwards (they may hold a password). */
    public Pop3Reply onLine(Line line) {
        try {
            return countErrors(dispatch(line));
        } catch (NotFoundException e) {
            // a message removed behind our back (mailctl user remove) while we held the lock
            log.warn("pop3 message vanished during session: {}", e.getMessage());
            return Pop3Reply.failure(ResponseCode.SYS_PERM, "Message no longer exists");
        } catch (StoreException e) {
            log.warn("pop3 store error: {}", e.getMessage());
            return Pop3Reply.failure(ResponseCode.SYS_TEMP, "Mail store unavailable; try again later");
        } finally {
            Arrays.fill(line.bytes(), (byte) 0);
        }
    }

    private Pop3Reply dispatch(Line line) {
        if (ended) {
            return Pop3Reply.NONE;
        }
        if (!line.isComplete()) {
            // a fragment of an over-long line: swallow it, answer once when the line ends
            discardingLongLine = true;
            return Pop3Reply.NONE;
        }
        if (discardingLongLine) {
            discardingLongLine = false;
            saslPending = false;
            return Pop3Reply.error("Line too long");
        }
        if (line.ending() == Line.Ending.BARE_CR) {
            // RFC 1939 section 3: commands end with CRLF. A bare LF is tolerated as many servers do; a
            // bare CR is too ambiguous to guess at.
            saslPending = false;
            return Pop3Reply.error("Line must end with CRLF");
        }
        boolean authLine = saslPending || startsWithAuth(line.bytes());
        int limit = (authLine ? Pop3Settings.MAX_AUTH_LINE : Pop3Settings.MAX_COMMAND_LINE) - 2;
        if (line.length() > limit) {
            // RFC 2449 section 4: command lines are at most 255 octets
            saslPending = false;
            return Pop3Reply.error("Line too long");
        }
        if (saslPending) {
            saslPending = false;
            return Pop3AuthCommand.respond(this, line.bytes());
        }
        CommandLine command = CommandLine.parse(line.bytes());
        if (command == null) {
            return Pop3Reply.error(line.length() == 0 ? "Empty command" : "Unknown command");
        }
        try {
            Optional<CommandTable.Entry> entry = ctx.commands().find(command.verb());
            if (entry.isEmpty()) {
                return Pop3Reply.error("Unknown command");
            }
            if (!entry.get().allowedIn(state)) {
                return Pop3Reply.error(state == Pop3State.AUTHORIZATION ? "Not logged in" : "Already logged in");
            }
            return entry.get().command().execute(this, command);
        } finally {
            // the argument may be a password (PASS, AUTH), whatever the command turned out to be
            command.wipe();
        }
    }

    private static boolean startsWithAuth(byte[] b) {
        return b.length >= 5 && (b[0] | 0x20) == 'a' && (b[1] | 0x20) == 'u' && (b[2] | 0x20) == 't' && (b[3] | 0x20) == 'h'
                && b[4] == ' ';
    }

    /**
     * Client mistakes add up: past half of {@code limits.errors} each error reply is slowed, at the limit
     * the connection is closed (docs/design.md, contract 7).
     */
    private Pop3Reply countErrors(Pop3Reply reply) {
        if (!reply.countsAsError()) {
            return reply;
        }
        errors++;
        if (errors < settings.maxErrors()) {
            return errors > settings.maxErrors() / 2 && reply.delay().isZero() ? reply.delayed(settings.errorDelay()) : reply;
        }
        endReason = "too many errors";
        String text = reply.text().substring(0, reply.text().length() - 2) + " (too many errors, closing connection)" + Pop3Reply.CRLF;
        return new Pop3Reply(text, null, reply.delay(), true, true);
    }

    // ---- called by commands

    Pop3Settings settings() {
        return settings;
    }

    public Pop3State state() {
        return state;
    }

    public InetAddress remote() {
        return remote;
    }

    /** The logged-in user, if any. */
    public Optional<User> user() {
        return Optional.ofNullable(user);
    }

    public SessionStats stats() {
        return stats;
    }

    /** True once the connection is encrypted (after STLS, or from the start on POP3S). */
    public boolean tlsActive() {
        return tls != null;
    }

    /** The TLS handshake completed: the transport tells the session what was negotiated. */
    public void tlsEstablished(TlsInfo negotiated) {
        if (tls == null) {
            tls = negotiated;
            log.info("pop3 TLS established with {}: {}", remote.getHostAddress(), negotiated);
        }
    }

    /** STLS (RFC 2595 4): forget what the client said before (a USER name, a SASL exchange); it starts over under TLS. */
    void resetForTls() {
        pendingUser = null;
        saslPending = false;
    }

    List<String> capabilities() {
        return ctx.commands().capabilitiesFor(this);
    }

    void setPendingUser(String name) {
        pendingUser = name;
    }

    /** The name from USER, consumed: after a failed PASS the client starts again with USER. */
    String takePendingUser() {
        String u = pendingUser;
        pendingUser = null;
        return u;
    }

    void awaitSaslResponse() {
        saslPending = true;
    }

    MaildropSnapshot maildrop() {
        return maildrop;
    }

    /** Null if message {@code n} may be used, otherwise the -ERR reply (RFC 1939 section 5). */
    Pop3Reply checkMessage(int n) {
        if (!maildrop.exists(n)) {
            return Pop3Reply.error("No such message");
        }
        if (maildrop.isDeleted(n)) {
            return Pop3Reply.error("Message " + n + " is marked deleted");
        }
        return null;
    }

    /**
     * Checks credentials ({@link Login}: same reply and time for every kind of failure, failures slowed per
     * connection and counted per address) and, when they are right, locks and snapshots the maildrop. The password
     * array is wiped before this returns.
     *
     * @param authzid the SASL authorization identity, or null/empty; only the user itself is allowed
     */
    Pop3Reply login(String userName, char[] password, String authzid) {
        Login.Result result = login.attempt("pop3 login", remote.getHostAddress(), userName, authzid, password);
        return switch (result.outcome()) {
            case SUCCESS -> startTransaction(result.user());
            case THROTTLED -> {
                endReason = "too many failed logins";
                yield Pop3Reply.failure(ResponseCode.AUTH, "Too many failed logins; try again later").delayed(settings.authFailureDelay()).closing();
            }
            case UNAVAILABLE -> Pop3Reply.failure(ResponseCode.SYS_TEMP, "Authentication temporarily unavailable; try again later");
            case FAILED -> {
                Pop3Reply reply = Pop3Reply.failure(ResponseCode.AUTH, "Authentication failed").delayed(result.delay());
                if (result.failures() >= settings.maxAuthFailuresPerConnection() || login.blocked()) {
                    endReason = "too many failed logins";
                    yield reply.closing();
                }
                yield reply;
            }
        };
    }

    private Pop3Reply startTransaction(User u) {
        MaildropStore store = ctx.maildrops();
        Optional<MaildropStore.Lock> lock = store.tryLock(u.id(), settings.lockTtl());
        if (lock.isEmpty()) {
            // RFC 2449 section 8.1.1; RFC 1939 section 8: the session stays in AUTHORIZATION
            log.info("pop3 maildrop in use: user={} from {}", u.address(), remote.getHostAddress());
            return Pop3Reply.failure(ResponseCode.IN_USE, "Maildrop is locked by another session");
        }
        MaildropLease held = new MaildropLease(store, lock.get(), settings.lockTtl(), ctx.clock());
        MaildropSnapshot snapshot;
        try {
            snapshot = new MaildropSnapshot(store.snapshot(u.id()));
        } catch (RuntimeException e) {
            held.release();
            throw e;
        }
        user = u;
        lease = held;
        maildrop = snapshot;
        ctx.leases().add(held);
        state = Pop3State.TRANSACTION;
        stats.messagesAtLogin = snapshot.count();
        stats.sizeAtLogin = snapshot.totalSize();
        log.info("pop3 login: user={} from {} ({} messages, {} octets)", u.address(), remote.getHostAddress(), snapshot.count(),
                snapshot.totalSize());
        return Pop3Reply.ok("Logged in; maildrop has " + Pop3Reply.messages(snapshot.count()) + " (" + snapshot.totalSize() + " octets)");
    }

    /** RETR and TOP: opens the stored message and wraps it in the byte-stuffing body. */
    Pop3Reply openMessage(int n, long bodyLines, String statusText) {
        InputStream in = ctx.maildrops().open(user.id(), maildrop.uid(n));
        boolean top = bodyLines >= 0;
        (top ? stats.topCount : stats.retrCount).incrementAndGet();
        MessageBody body = new MessageBody(in, bodyLines, produced -> (top ? stats.topBytes : stats.retrBytes).addAndGet(produced));
        return Pop3Reply.okWithBody(statusText, body);
    }

    /**
     * QUIT. From TRANSACTION: the UPDATE state (RFC 1939 section 6) removes every marked message in one
     * store call, but only while the maildrop lock is still ours, then releases the lock.
     */
    Pop3Reply quit() {
        String signOff = settings.hostname() + " POP3 server signing off";
        endReason = "QUIT";
        if (state == Pop3State.AUTHORIZATION) {
            return Pop3Reply.ok(signOff).closing();
        }
        state = Pop3State.UPDATE;
        List<Long> marked = maildrop.markedUids();
        try {
            int remaining;
            if (marked.isEmpty()) {
                remaining = maildrop.count();
            } else {
                if (!lease.confirm()) {
                    log.warn("pop3 maildrop lock of {} lost before QUIT; {} marked messages kept", user.address(), marked.size());
                    return Pop3Reply.failure(ResponseCode.SYS_TEMP, "Maildrop lock was lost; no messages deleted").closing();
                }
                remaining = ctx.maildrops().delete(user.id(), marked);
                stats.deleted = marked.size();
            }
            return Pop3Reply.ok(signOff + " (" + Pop3Reply.messages(remaining) + " left)").closing();
        } catch (StoreException e) {
            log.warn("pop3 QUIT could not delete {} messages of {}: {}", marked.size(), user.address(), e.getMessage());
            // RFC 1939 section 6: "-ERR some deleted messages not removed"
            return Pop3Reply.failure(ResponseCode.SYS_TEMP, "Some deleted messages not removed").closing();
        } finally {
            releaseLock();
        }
    }

    /**
     * The connection is gone (QUIT answered, client dropped, timeout, error, shutdown). Marked messages
     * stay (RFC 1939 section 6: no UPDATE state without QUIT); the lock is released; one summary line
     * is logged. Safe to call twice.
     */
    public void connectionClosed(String reason) {
        if (ended) {
            return;
        }
        ended = true;
        if (endReason == null) {
            endReason = reason;
        }
        releaseLock();
        log.info("pop3 session end: user={} from {} reason={}: {}", user == null ? "-" : user.address(), remote.getHostAddress(),
                endReason, stats.summary());
    }

    private void releaseLock() {
        if (lease != null) {
            ctx.leases().remove(lease);
            lease.release();
        }
    }
}
