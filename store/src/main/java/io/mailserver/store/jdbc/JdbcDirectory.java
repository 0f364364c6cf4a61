package io.mailserver.store.jdbc;

import io.mailserver.store.Directory;
import io.mailserver.store.MailAddress;
import io.mailserver.store.Resolution;
import io.mailserver.store.User;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Recipient lookup for SMTP. No cache: every call reads the store, so mailctl changes apply at once. */
final class JdbcDirectory implements Directory {
    private static final Logger log = LoggerFactory.getLogger(JdbcDirectory.class);
    private final Database db;

    JdbcDirectory(Database db) {
        this.db = db;
    }

    @Override
    public boolean isLocalDomain(String domain) {
        if (domain == null || domain.isBlank() || domain.startsWith("[")) {
            return false;
        }
        String name = Accounts.normalizeDomain(domain);
        return db.read("looking up domain " + name, c -> Accounts.domainId(c, name).isPresent());
    }

    @Override
    public Resolution resolve(MailAddress address) {
        return db.read("resolving " + address.key(), c -> resolve(c, address));
    }

    private static Resolution resolve(Connection c, MailAddress address) throws SQLException {
        if (!Accounts.isLocalDomain(c, address)) {
            return new Resolution(Resolution.Kind.NOT_LOCAL, List.of(), List.of(address.toString()));
        }
        Optional<User> user = Accounts.userByKey(c, address.key());
        if (user.isPresent()) {
            return new Resolution(Resolution.Kind.USER, List.of(user.get()), List.of());
        }
        Optional<Long> alias = Accounts.aliasId(c, address.key());
        if (alias.isEmpty()) {
            return new Resolution(Resolution.Kind.UNKNOWN_LOCAL, List.of(), List.of());
        }
        return expand(c, address.key(), alias.get());
    }

    /** Breadth-first through nested aliases; each alias is expanded once (loop-safe), each user and remote address kept once. */
    private static Resolution expand(Connection c, String key, long aliasId) throws SQLException {
        Map<Long, User> users = new LinkedHashMap<>();
        Map<String, String> remote = new LinkedHashMap<>();
        Set<String> expanded = new HashSet<>(Set.of(key));
        Deque<Long> pending = new ArrayDeque<>(List.of(aliasId));
        while (!pending.isEmpty()) {
            for (String target : Accounts.targets(c, pending.poll())) {
                MailAddress t;
                try {
                    t = MailAddress.parse(target);
                } catch (IllegalArgumentException e) {
                    log.warn("alias {} has an unparsable target {}: {}", key, target, e.getMessage());
                    continue;
                }
                if (!Accounts.isLocalDomain(c, t)) {
                    remote.putIfAbsent(t.key(), target);
                    continue;
                }
                Optional<User> user = Accounts.userByKey(c, t.key());
                if (user.isPresent()) {
                    users.putIfAbsent(user.get().id(), user.get());
                    continue;
                }
                Optional<Long> nested = Accounts.aliasId(c, t.key());
                if (nested.isPresent()) {
                    if (expanded.add(t.key())) {
                        pending.add(nested.get());
                    }
                } else {
                    log.warn("alias {} has target {} that is no user or alias of a local domain; skipped", key, target);
                }
            }
        }
        return new Resolution(Resolution.Kind.ALIAS, List.copyOf(users.values()), List.copyOf(new LinkedHashSet<>(remote.values())));
    }

    @Override
    public List<User> findUsersByLocalPart(String localPart) {
        if (localPart.contains("@")) {
            try {
                MailAddress a = MailAddress.parse(localPart);
                return db.read("finding user " + a.key(), c -> Accounts.userByKey(c, a.key()).map(List::of).orElse(List.of()));
            } catch (IllegalArgumentException e) {
                return List.of();
            }
        }
        String local = localPart.toLowerCase(Locale.ROOT);
        return db.read("finding users named " + local, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + Accounts.USER_COLUMNS + " FROM users WHERE local_part = ? ORDER BY address")) {
                ps.setString(1, local);
                return new ArrayList<>(Accounts.users(ps));
            }
        });
    }
}
