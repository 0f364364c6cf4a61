package io.mailserver.mta.smtp;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.mailserver.store.Alias;
import io.mailserver.store.AliasRepository;
import io.mailserver.store.Delivery;
import io.mailserver.store.Directory;
import io.mailserver.store.DkimKey;
import io.mailserver.store.DkimKeyStore;
import io.mailserver.store.Domain;
import io.mailserver.store.DomainRepository;
import io.mailserver.store.MailAddress;
import io.mailserver.store.MailStore;
import io.mailserver.store.MaildropStore;
import io.mailserver.store.MessageStore;
import io.mailserver.store.QueueStore;
import io.mailserver.store.Resolution;
import io.mailserver.store.StoreException;
import io.mailserver.store.UncertainCommitException;
import io.mailserver.store.User;
import io.mailserver.store.UserRepository;

/**
 * An in-memory stand-in for the store, for the protocol core's pure unit tests only (integration tests
 * use the real H2 store). Implements just what SMTP reads and writes.
 */
final class FakeStore implements MailStore {
    final Map<String, Domain> domains = new LinkedHashMap<>();
    final Map<String, User> users = new LinkedHashMap<>();
    final Map<String, List<String>> aliases = new LinkedHashMap<>();
    final List<Committed> committed = new ArrayList<>();
    final List<FakeDelivery> begun = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong(100);
    private Instant clock = Instant.parse("2025-01-01T00:00:00Z");
    boolean failBegin;
    boolean failCommit;
    /** The commit happened but could neither be confirmed on disk nor withdrawn (the message is kept). */
    boolean uncertainCommit;

    record Committed(long id, String sender, String queueId, byte[] content, Set<Long> localUsers, Set<String> remote) {
        String text() {
            return new String(content, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    FakeStore domain(String name) {
        domains.put(name, new Domain(ids.incrementAndGet(), name, tick()));
        return this;
    }

    User user(String address, String name) {
        User u = new User(ids.incrementAndGet(), address, name, true, tick());
        users.put(address, u);
        return u;
    }

    User disabledUser(String address) {
        User u = new User(ids.incrementAndGet(), address, "", false, tick());
        users.put(address, u);
        return u;
    }

    FakeStore alias(String address, String... targets) {
        aliases.put(address, List.of(targets));
        return this;
    }

    private Instant tick() {
        clock = clock.plusSeconds(1);
        return clock;
    }

    boolean isLocal(String domain) {
        String d = domain.toLowerCase(java.util.Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        return domains.containsKey(d);
    }

    final class FakeDirectory implements Directory {
        @Override
        public boolean isLocalDomain(String domain) {
            return !domain.startsWith("[") && isLocal(domain);
        }

        @Override
        public Resolution resolve(MailAddress address) {
            if (address.isAddressLiteral() || !isLocal(address.domain())) {
                return new Resolution(Resolution.Kind.NOT_LOCAL, List.of(), List.of(address.toString()));
            }
            User u = users.get(address.key());
            if (u != null) {
                return new Resolution(Resolution.Kind.USER, List.of(u), List.of());
            }
            if (!aliases.containsKey(address.key())) {
                return new Resolution(Resolution.Kind.UNKNOWN_LOCAL, List.of(), List.of());
            }
            Map<Long, User> found = new LinkedHashMap<>();
            Set<String> remote = new LinkedHashSet<>();
            Set<String> seen = new LinkedHashSet<>();
            expand(address.key(), found, remote, seen);
            return new Resolution(Resolution.Kind.ALIAS, List.copyOf(found.values()), List.copyOf(remote));
        }

        private void expand(String key, Map<Long, User> found, Set<String> remote, Set<String> seen) {
            if (!seen.add(key)) {
                return;
            }
            for (String t : aliases.get(key)) {
                MailAddress a = MailAddress.parse(t);
                if (!isLocal(a.domain())) {
                    remote.add(t);
                } else if (users.containsKey(a.key())) {
                    User u = users.get(a.key());
                    found.putIfAbsent(u.id(), u);
                } else if (aliases.containsKey(a.key())) {
                    expand(a.key(), found, remote, seen);
                }
            }
        }

        @Override
        public List<User> findUsersByLocalPart(String localPart) {
            String l = localPart.toLowerCase(java.util.Locale.ROOT);
            return users.values().stream().filter(u -> u.address().startsWith(l + "@")).toList();
        }
    }

    final class FakeDelivery implements Delivery {
        final String sender;
        final String queueId;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final Set<Long> local = new LinkedHashSet<>();
        final Set<String> remote = new LinkedHashSet<>();
        boolean closed;
        boolean committed;

        FakeDelivery(String sender, String queueId) {
            this.sender = sender;
            this.queueId = queueId;
        }

        @Override
        public OutputStream content() {
            return bytes;
        }

        @Override
        public void prepend(byte[] headerLines) {
            byte[] written = bytes.toByteArray();
            bytes.reset();
            bytes.writeBytes(headerLines);
            bytes.writeBytes(written);
        }

        @Override
        public void addLocalRecipient(long userId) {
            local.add(userId);
        }

        @Override
        public void addRemoteRecipient(String address) {
            remote.add(address);
        }

        @Override
        public long commit() {
            if (closed || committed) {
                throw new IllegalStateException("done");
            }
            if (failCommit) {
                throw new StoreException("disk full");
            }
            committed = true;
            long id = ids.incrementAndGet();
            FakeStore.this.committed.add(new Committed(id, sender, queueId, bytes.toByteArray(), Set.copyOf(local), Set.copyOf(remote)));
            if (uncertainCommit) {
                throw new UncertainCommitException("sync failed, withdrawal failed", new StoreException("disk gone"));
            }
            return id;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Override
    public DomainRepository domains() {
        return new DomainRepository() {
            @Override
            public Domain add(String name) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<Domain> list() {
                return List.copyOf(domains.values());
            }

            @Override
            public Optional<Domain> find(String name) {
                return Optional.ofNullable(domains.get(name));
            }

            @Override
            public boolean isLocal(String name) {
                return FakeStore.this.isLocal(name);
            }

            @Override
            public void remove(String name, boolean force) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Override
    public UserRepository users() {
        return new UserRepository() {
            @Override
            public User add(MailAddress address, String displayName, char[] password) {
                return user(address.key(), displayName);
            }

            @Override
            public Optional<User> find(MailAddress address) {
                return Optional.ofNullable(users.get(address.key()));
            }

            @Override
            public Optional<User> findById(long id) {
                return users.values().stream().filter(u -> u.id() == id).findFirst();
            }

            @Override
            public List<User> list(Optional<String> domain) {
                return users.values().stream().filter(u -> domain.isEmpty() || u.address().endsWith("@" + domain.get()))
                        .sorted(java.util.Comparator.comparing(User::address)).toList();
            }

            @Override
            public void setPassword(MailAddress address, char[] password) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void setEnabled(MailAddress address, boolean enabled) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void remove(MailAddress address) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<User> authenticate(MailAddress address, char[] password) {
                // every user's password is "pw"; a disabled user cannot log in
                User u = users.get(address.key());
                boolean right = java.util.Arrays.equals(password, "pw".toCharArray());
                return u != null && u.enabled() && right ? Optional.of(u) : Optional.empty();
            }
        };
    }

    @Override
    public AliasRepository aliases() {
        return new AliasRepository() {
            @Override
            public Alias add(MailAddress alias, List<MailAddress> targets) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<Alias> find(MailAddress alias) {
                return Optional.ofNullable(aliases.get(alias.key())).map(t -> new Alias(alias.key(), t));
            }

            @Override
            public List<Alias> list(Optional<String> domain) {
                return aliases.entrySet().stream().map(e -> new Alias(e.getKey(), e.getValue())).toList();
            }

            @Override
            public void remove(MailAddress alias, List<MailAddress> targets) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Override
    public DkimKeyStore dkimKeys() {
        return new DkimKeyStore() {
            @Override
            public List<DkimKey> add(String domain, List<DkimKey.New> keys) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<DkimKey> rotate(String domain, List<DkimKey.New> keys) {
                throw new UnsupportedOperationException();
            }

            @Override
            public DkimKey retire(String domain, String selector) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<DkimKey> list() {
                return List.of();
            }

            @Override
            public List<DkimKey> list(String domain) {
                return List.of();
            }

            @Override
            public List<DkimKey.Signing> signingKeys(String domain) {
                return List.of();
            }
        };
    }

    @Override
    public Directory directory() {
        return new FakeDirectory();
    }

    @Override
    public MessageStore messages() {
        return (sender, queueId) -> {
            if (failBegin) {
                throw new StoreException("database down");
            }
            FakeDelivery d = new FakeDelivery(sender, queueId);
            begun.add(d);
            return d;
        };
    }

    @Override
    public MaildropStore maildrops() {
        return new MaildropStore() {
            @Override
            public Optional<Lock> tryLock(long userId, Duration ttl) {
                throw new UnsupportedOperationException();
            }

            @Override
            public boolean refresh(Lock lock, Duration ttl) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void unlock(Lock lock) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<io.mailserver.store.MaildropEntry> snapshot(long userId) {
                throw new UnsupportedOperationException();
            }

            @Override
            public java.io.InputStream open(long userId, long uid) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int delete(long userId, Collection<Long> uids) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Override
    public QueueStore queue() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public void close() {
    }
}
