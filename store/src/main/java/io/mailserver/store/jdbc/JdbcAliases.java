package io.mailserver.store.jdbc;

import io.mailserver.store.Alias;
import io.mailserver.store.AliasRepository;
import io.mailserver.store.ConflictException;
import io.mailserver.store.MailAddress;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

final class JdbcAliases implements AliasRepository {
    private final Database db;

    JdbcAliases(Database db) {
        this.db = db;
    }

    @Override
    public Alias add(MailAddress alias, List<MailAddress> targets) {
        String key = alias.key();
        try {
            return db.write("adding alias " + key, c -> {
                if (!Accounts.isLocalDomain(c, alias)) {
                    throw new NotFoundException(alias.normalizedDomain() + " is not a local domain (add it with: mailctl domain add)");
                }
                if (Accounts.userByKey(c, key).isPresent()) {
                    throw new ConflictException(key + " is a user; an alias cannot have the same address");
                }
                Optional<Long> existing = Accounts.aliasId(c, key);
                if (existing.isEmpty() && targets.isEmpty()) {
                    throw new IllegalArgumentException("an alias needs at least one target");
                }
                for (MailAddress t : targets) {
                    if (t.key().equals(key)) {
                        throw new ConflictException("alias loop: " + key + " -> " + key);
                    }
                    if (Accounts.isLocalDomain(c, t) && Accounts.userByKey(c, t.key()).isEmpty() && Accounts.aliasId(c, t.key()).isEmpty()) {
                        throw new NotFoundException("target " + t.key() + " is in a local domain but is no user or alias");
                    }
                }
                long id = existing.isPresent() ? existing.get() : insertAlias(c, alias);
                addTargets(c, id, targets);
                List<String> cycle = findCycle(c, key);
                if (!cycle.isEmpty()) {
                    throw new ConflictException("alias loop: " + String.join(" -> ", cycle));
                }
                return new Alias(key, Accounts.targets(c, id));
            });
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException sql && Database.isUniqueViolation(sql)) {
                throw new ConflictException("alias " + key + " was changed at the same time; try again");
            }
            throw e;
        }
    }

    private static long insertAlias(Connection c, MailAddress alias) throws SQLException {
        long domainId = Accounts.domainId(c, alias.normalizedDomain()).orElseThrow();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO aliases (domain_id, address, created_at) VALUES (?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, domainId);
            ps.setString(2, alias.key());
            Database.setInstant(ps, 3, Instant.now());
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    private static void addTargets(Connection c, long aliasId, List<MailAddress> targets) throws SQLException {
        int position = Accounts.longValue(c, "SELECT COALESCE(MAX(position), 0) FROM alias_targets WHERE alias_id = ?", aliasId)
                .orElse(0L).intValue();
        Set<String> present = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT target_key FROM alias_targets WHERE alias_id = ?")) {
            ps.setLong(1, aliasId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    present.add(rs.getString(1));
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO alias_targets (alias_id, position, target, target_key) VALUES (?, ?, ?, ?)")) {
            for (MailAddress t : targets) {
                if (present.add(t.key())) {
                    ps.setLong(1, aliasId);
                    ps.setInt(2, ++position);
                    ps.setString(3, t.toString());
                    ps.setString(4, t.key());
                    ps.executeUpdate();
                }
            }
        }
    }

    /** A path {@code start -> ... -> start} through alias targets, or empty if {@code start} cannot reach itself. */
    private static List<String> findCycle(Connection c, String start) throws SQLException {
        Deque<List<String>> paths = new ArrayDeque<>();
        paths.add(List.of(start));
        Set<String> seen = new HashSet<>();
        while (!paths.isEmpty()) {
            List<String> path = paths.poll();
            String last = path.get(path.size() - 1);
            for (String next : aliasTargetKeys(c, last)) {
                List<String> longer = new ArrayList<>(path);
                longer.add(next);
                if (next.equals(start)) {
                    return longer;
                }
                if (seen.add(next)) {
                    paths.add(longer);
                }
            }
        }
        return List.of();
    }

    /** The targets of alias {@code key} that are aliases themselves. */
    private static List<String> aliasTargetKeys(Connection c, String key) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT t.target_key FROM aliases a JOIN alias_targets t ON t.alias_id = a.id"
                        + " JOIN aliases b ON b.address = t.target_key WHERE a.address = ? ORDER BY t.position")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    @Override
    public Optional<Alias> find(MailAddress alias) {
        String key = alias.key();
        return db.read("finding alias " + key, c -> {
            Optional<Long> id = Accounts.aliasId(c, key);
            return id.isEmpty() ? Optional.empty() : Optional.of(new Alias(key, Accounts.targets(c, id.get())));
        });
    }

    @Override
    public List<Alias> list(Optional<String> domain) {
        return db.read("listing aliases", c -> {
            List<Object[]> rows = new ArrayList<>();
            String sql = "SELECT id, address FROM aliases" + (domain.isPresent() ? " WHERE domain_id = ?" : "") + " ORDER BY address";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (domain.isPresent()) {
                    String name = Accounts.normalizeDomain(domain.get());
                    ps.setLong(1, Accounts.domainId(c, name).orElseThrow(() -> new NotFoundException("no domain " + name)));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Object[] {rs.getLong(1), rs.getString(2)});
                    }
                }
            }
            List<Alias> out = new ArrayList<>();
            for (Object[] r : rows) {
                out.add(new Alias((String) r[1], Accounts.targets(c, (Long) r[0])));
            }
            return out;
        });
    }

    @Override
    public void remove(MailAddress alias, List<MailAddress> targets) {
        String key = alias.key();
        db.write("removing alias " + key, c -> {
            long id = Accounts.aliasId(c, key).orElseThrow(() -> new NotFoundException("no alias " + key));
            if (targets.isEmpty()) {
                Accounts.removeAlias(c, id, key);
                return null;
            }
            for (MailAddress t : targets) {
                if (Accounts.update(c, "DELETE FROM alias_targets WHERE alias_id = ? AND target_key = ?", id, t.key()) == 0) {
                    throw new NotFoundException(t.key() + " is not a target of alias " + key);
                }
            }
            Accounts.removeEmptyAliases(c);
            return null;
        });
    }
}
