package io.mailserver.store.jdbc;

import io.mailserver.store.MailAddress;
import io.mailserver.store.User;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** SQL about domains, users and aliases that several repositories share; every method runs on the caller's connection. */
final class Accounts {
    static final String USER_COLUMNS = "id, address, display_name, enabled, created_at";

    private Accounts() {
    }

    /** A domain name as stored: lower case, no trailing dot. */
    static String normalizeDomain(String name) {
        String d = name.strip().toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    static Optional<Long> domainId(Connection c, String name) throws SQLException {
        return longValue(c, "SELECT id FROM domains WHERE name = ?", normalizeDomain(name));
    }

    static Optional<User> userByKey(Connection c, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + USER_COLUMNS + " FROM users WHERE address = ?")) {
            ps.setString(1, key);
            return firstUser(ps);
        }
    }

    static Optional<User> userById(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + USER_COLUMNS + " FROM users WHERE id = ?")) {
            ps.setLong(1, id);
            return firstUser(ps);
        }
    }

    static Optional<Long> aliasId(Connection c, String key) throws SQLException {
        return longValue(c, "SELECT id FROM aliases WHERE address = ?", key);
    }

    static boolean isLocalDomain(Connection c, MailAddress address) throws SQLException {
        return !address.isAddressLiteral() && domainId(c, address.normalizedDomain()).isPresent();
    }

    /** The targets of an alias as typed, in the order they were added. */
    static List<String> targets(Connection c, long aliasId) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT target FROM alias_targets WHERE alias_id = ? ORDER BY position")) {
            ps.setLong(1, aliasId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * Removes a user: its mailbox entries (content reclaimed when nothing else uses it), its maildrop
     * lock, its memberships in aliases (aliases left without targets go too), then the user.
     * @return the messages its entries referred to: for {@link Contents#reclaimAfterCommit} once committed
     */
    static List<Long> removeUser(Connection c, long userId, String key) throws SQLException {
        List<Long> messages = Contents.messagesOf(c, "mailbox_entries", "user_id = ?", userId);
        update(c, "DELETE FROM mailbox_entries WHERE user_id = ?", userId);
        update(c, "DELETE FROM maildrop_locks WHERE user_id = ?", userId);
        removeMemberships(c, key);
        update(c, "DELETE FROM users WHERE id = ?", userId);
        return messages;
    }

    /** Removes an alias with its targets, and its memberships in other aliases. */
    static void removeAlias(Connection c, long aliasId, String key) throws SQLException {
        update(c, "DELETE FROM alias_targets WHERE alias_id = ?", aliasId);
        update(c, "DELETE FROM aliases WHERE id = ?", aliasId);
        removeMemberships(c, key);
    }

    /** Deletes {@code key} as a target everywhere; aliases left empty are removed in turn (they could deliver nowhere). */
    static void removeMemberships(Connection c, String key) throws SQLException {
        update(c, "DELETE FROM alias_targets WHERE target_key = ?", key);
        removeEmptyAliases(c);
    }

    static void removeEmptyAliases(Connection c) throws SQLException {
        List<Object[]> empty = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, address FROM aliases a WHERE NOT EXISTS (SELECT 1 FROM alias_targets t WHERE t.alias_id = a.id)");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                empty.add(new Object[] {rs.getLong(1), rs.getString(2)});
            }
        }
        for (Object[] a : empty) {
            removeAlias(c, (Long) a[0], (String) a[1]);
        }
    }

    static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    static Optional<Long> longValue(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    static List<User> users(PreparedStatement ps) throws SQLException {
        List<User> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(user(rs));
            }
        }
        return out;
    }

    private static Optional<User> firstUser(PreparedStatement ps) throws SQLException {
        List<User> list = users(ps);
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    static User user(ResultSet rs) throws SQLException {
        return new User(rs.getLong("id"), rs.getString("address"), rs.getString("display_name"), rs.getBoolean("enabled"),
                Database.getInstant(rs, "created_at"));
    }
}
