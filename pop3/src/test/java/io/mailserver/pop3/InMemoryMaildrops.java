package io.mailserver.pop3;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.mailserver.store.MaildropEntry;
import io.mailserver.store.MaildropStore;
import io.mailserver.store.NotFoundException;

/** A test double for pure core tests only: maildrops in memory, locks without expiry unless told. */
final class InMemoryMaildrops implements MaildropStore {
    private final Map<Long, TreeMap<Long, byte[]>> drops = new ConcurrentHashMap<>();
    private final Map<Long, String> locks = new ConcurrentHashMap<>();
    private final AtomicLong nextUid = new AtomicLong(100);
    final AtomicInteger deleteCalls = new AtomicInteger();
    final AtomicInteger refreshCalls = new AtomicInteger();
    volatile boolean loseLocks;

    synchronized long put(long userId, byte[] content) {
        long uid = nextUid.getAndIncrement();
        drops.computeIfAbsent(userId, k -> new TreeMap<>()).put(uid, content);
        return uid;
    }

    synchronized int count(long userId) {
        return drops.getOrDefault(userId, new TreeMap<>()).size();
    }

    boolean isLocked(long userId) {
        return locks.containsKey(userId);
    }

    @Override
    public synchronized Optional<Lock> tryLock(long userId, Duration ttl) {
        if (locks.containsKey(userId)) {
            return Optional.empty();
        }
        String token = UUID.randomUUID().toString();
        locks.put(userId, token);
        return Optional.of(new Lock(userId, token));
    }

    @Override
    public synchronized boolean refresh(Lock lock, Duration ttl) {
        refreshCalls.incrementAndGet();
        if (loseLocks) {
            locks.remove(lock.userId());
        }
        return lock.token().equals(locks.get(lock.userId()));
    }

    @Override
    public synchronized void unlock(Lock lock) {
        locks.remove(lock.userId(), lock.token());
    }

    @Override
    public synchronized List<MaildropEntry> snapshot(long userId) {
        List<MaildropEntry> out = new ArrayList<>();
        drops.getOrDefault(userId, new TreeMap<>()).forEach((uid, c) -> out.add(new MaildropEntry(uid, c.length)));
        return out;
    }

    @Override
    public synchronized InputStream open(long userId, long uid) {
        byte[] c = drops.getOrDefault(userId, new TreeMap<>()).get(uid);
        if (c == null) {
            throw new NotFoundException("no message " + uid);
        }
        return new ByteArrayInputStream(c);
    }

    @Override
    public synchronized int delete(long userId, Collection<Long> uids) {
        deleteCalls.incrementAndGet();
        TreeMap<Long, byte[]> d = drops.getOrDefault(userId, new TreeMap<>());
        uids.forEach(d::remove);
        return d.size();
    }
}
