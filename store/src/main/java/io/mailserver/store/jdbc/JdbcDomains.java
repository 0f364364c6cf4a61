package io.mailserver.store.jdbc;

import io.mailserver.store.ConflictException;
import io.mailserver.store.Domain;
import io.mailserver.store.DomainRepository;
import io.mailserver.store.MailAddress;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

final class JdbcDomains implements DomainRepository {
    private final Database db;

    JdbcDomains(Database db) {
        this.db = db;
    }

    @Override
    public Domain add(String name) {
        String domain = validName(name);
        Instant now = Database.now();
        try {
            return db.write("adding domain " + domain, c -> {
                if (Accounts.domainId(c, domain).isPresent()) {
                    throw new ConflictException("domain " + domain + " already exists");
                }
                long id;
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO domains (name, created_at) VALUES (?, ?)",
                        Statement.RETURN_GENERATED_KEYS)) {
                    ps.setString(1, domain);
                    Database.setInstant(ps, 2, now);
                    ps.executeUpdate();
                    try (ResultSet keys = ps.getGeneratedKeys()) {
                        keys.next();
                        id = keys.getLong(1);
                    }
                }
                return new Domain(id, domain, now);
            });
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException sql && Database.isUniqueViolation(sql)) {
                throw new ConflictException("domain " + domain + " already exists");
            }
            throw e;
        }
    }

    /** A host name we can receive mail for: RFC 5321 Domain syntax, not an address literal. */
    static String validName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("empty domain name");
        }
        String trimmed = name.strip();
        if (trimmed.startsWith("[")) {
            throw new IllegalArgumentException("an address literal cannot be a mail domain: " + trimmed);
        }
        MailAddress.checkDomainOrLiteral(trimmed);
        return Accounts.normalizeDomain(trimmed);
    }

    @Override
    public List<Domain> list() {
        return db.read("listing domains", c -> {
            List<Domain> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, name, created_at FROM domains ORDER BY name");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(domain(rs));
                }
            }
            return out;
        });
    }

    @Override
    public Optional<Domain> find(String name) {
        String domain = Accounts.normalizeDomain(name);
        return db.read("finding domain " + domain, c -> find(c, domain));
    }

    private static Optional<Domain> find(Connection c, String domain) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, name, created_at FROM domains WHERE name = ?")) {
            ps.setString(1, domain);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(domain(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public boolean isLocal(String name) {
        if (name == null || name.isBlank()) {
            return false;
        }
        String domain = Accounts.normalizeDomain(name);
        return db.read("looking up domain " + domain, c -> Accounts.domainId(c, domain).isPresent());
    }

    @Override
    public void remove(String name, boolean force) {
        String domain = Accounts.normalizeDomain(name);
        List<Long> messages = db.write("removing domain " + domain, c -> {
            List<Long> referred = new ArrayList<>();
            long id = Accounts.domainId(c, domain).orElseThrow(() -> new NotFoundException("no domain " + domain));
            List<Object[]> users = rows(c, "SELECT id, address FROM users WHERE domain_id = ? ORDER BY address", id);
            List<Object[]> aliases = rows(c, "SELECT id, address FROM aliases WHERE domain_id = ? ORDER BY address", id);
            if (!force && (!users.isEmpty() || !aliases.isEmpty())) {
                throw new ConflictException("domain " + domain + " still has " + users.size() + " user(s) and " + aliases.size()
                        + " alias(es); remove them first or use --force");
            }
            for (Object[] u : users) {
                referred.addAll(Accounts.removeUser(c, (Long) u[0], (String) u[1]));
            }
            for (Object[] a : aliases) {
                if (Accounts.aliasId(c, (String) a[1]).isPresent()) { // may be gone already as an emptied alias
                    Accounts.removeAlias(c, (Long) a[0], (String) a[1]);
                }
            }
            Accounts.update(c, "DELETE FROM domains WHERE id = ?", id);
            return referred;
        });
        Contents.reclaimAfterCommit(db, messages);
    }

    private static List<Object[]> rows(Connection c, String sql, long id) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Object[] {rs.getLong(1), rs.getString(2)});
                }
            }
        }
        return out;
    }

    private static Domain domain(ResultSet rs) throws SQLException {
        return new Domain(rs.getLong("id"), rs.getString("name"), Database.getInstant(rs, "created_at"));
    }
}
