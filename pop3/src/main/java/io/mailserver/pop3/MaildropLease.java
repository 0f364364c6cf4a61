package io.mailserver.pop3;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.mailserver.store.MaildropStore;
import io.mailserver.store.StoreException;

/**
 * A held maildrop lock (RFC 1939 section 8: the exclusive-access lock). The lock lives in the store with
 * an expiry, so it holds across nodes and frees itself if its holder dies; while the session lives, the
 * {@link LeaseKeeper} extends it well before it expires. Thread-safe: the keeper refreshes from its own
 * thread while the session works.
 */
final class MaildropLease {
    private static final Logger log = LoggerFactory.getLogger(MaildropLease.class);

    private final MaildropStore store;
    private final MaildropStore.Lock lock;
    private final Duration ttl;
    private final Clock clock;
    private Instant lastRefresh;
    private boolean held = true;
    private boolean released;

    MaildropLease(MaildropStore store, MaildropStore.Lock lock, Duration ttl, Clock clock) {
        this.store = store;
        this.lock = lock;
        this.ttl = ttl;
        this.clock = clock;
        this.lastRefresh = clock.instant();
    }

    long userId() {
        return lock.userId();
    }

    /** Extends the lock once a third of its lifetime has passed. A store error is retried at the next call. */
    synchronized void refreshIfDue() {
        if (released || !held) {
            return;
        }
        Instant now = clock.instant();
        if (Duration.between(lastRefresh, now).compareTo(ttl.dividedBy(3)) < 0) {
            return;
        }
        try {
            held = store.refresh(lock, ttl);
            lastRefresh = now;
            if (!held) {
                log.warn("maildrop lock of user {} was lost (expired and taken over); this session will delete nothing", lock.userId());
            }
        } catch (StoreException e) {
            log.warn("cannot refresh maildrop lock of user {}: {}", lock.userId(), e.getMessage());
        }
    }

    /**
     * Refreshes now and says whether the lock is still ours, so QUIT applies deletes only while it holds
     * the maildrop (with a full ttl ahead of it).
     */
    synchronized boolean confirm() {
        if (released || !held) {
            return false;
        }
        held = store.refresh(lock, ttl);
        lastRefresh = clock.instant();
        return held;
    }

    /** Releases the lock; safe to call more than once and from any exit path. */
    synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        if (!held) {
            return;
        }
        try {
            store.unlock(lock);
        } catch (StoreException e) {
            // it expires by itself after the ttl
            log.warn("cannot release maildrop lock of user {} (it expires in {}): {}", lock.userId(), ttl, e.getMessage());
        }
    }
}
