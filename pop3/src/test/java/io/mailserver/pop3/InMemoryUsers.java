package io.mailserver.pop3;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.mailserver.store.MailAddress;
import io.mailserver.store.User;
import io.mailserver.store.UserRepository;

/** A test double for pure core tests only: users with cleartext passwords in a map. */
final class InMemoryUsers implements UserRepository {
    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final Map<String, char[]> passwords = new ConcurrentHashMap<>();
    volatile RuntimeException failWith;
    volatile char[] lastPasswordSeen;

    User add(String address, String password) {
        MailAddress a = MailAddress.parse(address);
        User u = new User(users.size() + 1L, a.key(), "", true, Instant.now());
        users.put(a.key(), u);
        passwords.put(a.key(), password.toCharArray());
        return u;
    }

    @Override
    public User add(MailAddress address, String displayName, char[] password) {
        throw new UnsupportedOperationException();
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
        return List.copyOf(users.values());
    }

    @Override
    public void setPassword(MailAddress address, char[] password) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setEnabled(MailAddress address, boolean enabled) {
        User u = users.get(address.key());
        users.put(address.key(), new User(u.id(), u.address(), u.displayName(), enabled, u.createdAt()));
    }

    @Override
    public void remove(MailAddress address) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<User> authenticate(MailAddress address, char[] password) {
        if (failWith != null) {
            throw failWith;
        }
        lastPasswordSeen = password;
        User u = users.get(address.key());
        char[] expected = passwords.get(address.key());
        if (u == null || !u.enabled() || !Arrays.equals(expected, password)) {
            return Optional.empty();
        }
        return Optional.of(u);
    }
}
