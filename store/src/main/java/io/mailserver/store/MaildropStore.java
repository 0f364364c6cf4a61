package io.mailserver.store;

import java.io.InputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** What POP3 needs: an exclusive lock that lives in the store, a snapshot, streamed content, deletes applied at once. */
public interface MaildropStore {
    /** A held lock; {@code token} identifies the holder. */
    record Lock(long userId, String token) {
    }

    /** Takes the maildrop lock unless another live holder has it (an expired lock is taken over). */
    Optional<Lock> tryLock(long userId, Duration ttl);

    /** Extends a held lock's expiry; false if it was lost. */
    boolean refresh(Lock lock, Duration ttl);

    void unlock(Lock lock);

    /** The maildrop's messages, oldest first. */
    List<MaildropEntry> snapshot(long userId);

    /** The message as RETR sends it ({@code Return-Path:} line first, CRLF line ends, no byte-stuffing), streamed. */
    InputStream open(long userId, long uid);

    /** Deletes these entries in one transaction, reclaims content no one else uses, and returns how many messages remain. */
    int delete(long userId, Collection<Long> uids);
}
