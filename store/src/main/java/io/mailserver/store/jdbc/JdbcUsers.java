package io.mailserver.store.jdbc;

import io.mailserver.store.ConflictException;
import io.mailserver.store.MailAddress;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.PasswordHasher;
import io.mailserver.store.StoreException;
import io.mailserver.store.User;
import io.mailserver.store.UserRepository;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

final class JdbcUsers implements UserRepository {
    private final Database db;
    private final PasswordHasher hasher;
    /** Verified against when the user does not exist, so that an unknown name costs as much as a wrong password. */
    private final String dummyHash;

    JdbcUsers(Database db, PasswordHasher hasher) {
        this.db = db;
        this.hasher = hasher;
        this.dummyHash = hasher.hash(UUID.randomUUID().toString().toCharArray());
    }

    @Override
    public User add(MailAddress address, String displayName, char[] password) {
        String key = address.key();
        String hash = hasher.hash(password); // slow: outside the transaction
        Instant now = Database.now();
        try {
            return db.write("adding user " + key, c -> {
                if (address.isAddressLiteral()) {
                    throw new NotFoundException(address.domain() + " is not a local domain");
                }
                long domainId = Accounts.domainId(c, address.normalizedDomain())
                        .orElseThrow(() -> new NotFoundException(address.normalizedDomain() + " is not a local domain (add it with: mailctl domain add)"));
                if (Accounts.aliasId(c, key).isPresent()) {
                    throw new ConflictException(key + " is an alias already");
                }
                if (Accounts.userByKey(c, key).isPresent()) {
                    throw new ConflictException("user " + key + " already exists");
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO users (domain_id, address, local_part, display_name, password_hash, enabled, created_at)"
                                + " VALUES (?, ?, ?, ?, ?, TRUE, ?)", Statement.RETURN_GENERATED_KEYS)) {
                    ps.setLong(1, domainId);
                    ps.setString(2, key);
                    ps.setString(3, key.substring(0, key.lastIndexOf('@')));
                    ps.setString(4, blankToNull(displayName));
                    ps.setString(5, hash);
                    Database.setInstant(ps, 6, now);
                    ps.executeUpdate();
                    try (ResultSet keys = ps.getGeneratedKeys()) {
                        keys.next();
                        return new User(keys.getLong(1), key, blankToNull(displayName), true, now);
                    }
                }
            });
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException sql && Database.isUniqueViolation(sql)) {
                throw new ConflictException("user " + key + " already exists");
            }
            throw e;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public Optional<User> find(MailAddress address) {
        return db.read("finding user " + address.key(), c -> Accounts.userByKey(c, address.key()));
    }

    @Override
    public Optional<User> findById(long id) {
        return db.read("finding user #" + id, c -> Accounts.userById(c, id));
    }

    @Override
    public List<User> list(Optional<String> domain) {
        return db.read("listing users", c -> {
            if (domain.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + Accounts.USER_COLUMNS + " FROM users ORDER BY address")) {
                    return Accounts.users(ps);
                }
            }
            String name = Accounts.normalizeDomain(domain.get());
            long domainId = Accounts.domainId(c, name).orElseThrow(() -> new NotFoundException("no domain " + name));
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Accounts.USER_COLUMNS + " FROM users WHERE domain_id = ? ORDER BY address")) {
                ps.setLong(1, domainId);
                return Accounts.users(ps);
            }
        });
    }

    @Override
    public void setPassword(MailAddress address, char[] password) {
        String hash = hasher.hash(password);
        db.write("changing the password of " + address.key(), c -> {
            if (Accounts.update(c, "UPDATE users SET password_hash = ? WHERE address = ?", hash, address.key()) == 0) {
                throw new NotFoundException("no user " + address.key());
            }
            return null;
        });
    }

    @Override
    public void setEnabled(MailAddress address, boolean enabled) {
        db.write((enabled ? "enabling " : "disabling ") + address.key(), c -> {
            if (Accounts.update(c, "UPDATE users SET enabled = ? WHERE address = ?", enabled, address.key()) == 0) {
                throw new NotFoundException("no user " + address.key());
            }
            return null;
        });
    }

    @Override
    public void remove(MailAddress address) {
        String key = address.key();
        List<Long> messages = db.write("removing user " + key, c -> {
            User user = Accounts.userByKey(c, key).orElseThrow(() -> new NotFoundException("no user " + key));
            return Accounts.removeUser(c, user.id(), key);
        });
        Contents.reclaimAfterCommit(db, messages);
    }

    @Override
    public Optional<User> authenticate(MailAddress address, char[] password) {
        String key = address.key();
        Object[] row = db.read("authenticating " + key, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Accounts.USER_COLUMNS + ", password_hash FROM users WHERE address = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new Object[] {Accounts.user(rs), rs.getString("password_hash")} : null;
                }
            }
        });
        // Same work whether or not the user exists (RFC 4954 section 9: do not reveal which names exist).
        boolean matches = hasher.verify(password, row == null ? dummyHash : (String) row[1]);
        if (row == null || !matches) {
            return Optional.empty();
        }
        User user = (User) row[0];
        return user.enabled() ? Optional.of(user) : Optional.empty();
    }
}
