package io.mailserver.store.jdbc;

import io.mailserver.store.ConflictException;
import io.mailserver.store.DkimKey;
import io.mailserver.store.DkimKeyStore;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

final class JdbcDkimKeys implements DkimKeyStore {
    /** A selector is one or more DNS labels (RFC 6376 3.1). */
    private static final Pattern SELECTOR = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final String COLUMNS = "k.id, d.name, k.selector, k.algorithm, k.public_key, k.state, k.created_at, k.changed_at";

    private final Database db;

    JdbcDkimKeys(Database db) {
        this.db = db;
    }

    @Override
    public List<DkimKey> add(String domain, List<DkimKey.New> keys) {
        return store(domain, keys, false);
    }

    @Override
    public List<DkimKey> rotate(String domain, List<DkimKey.New> keys) {
        return store(domain, keys, true);
    }

    private List<DkimKey> store(String domainName, List<DkimKey.New> keys, boolean rotate) {
        String domain = Accounts.normalizeDomain(domainName);
        for (DkimKey.New k : keys) {
            if (!SELECTOR.matcher(k.selector()).matches()) {
                throw new IllegalArgumentException("bad selector '" + k.selector() + "': lower-case letters, digits, hyphens and dots");
            }
        }
        Instant now = Database.now();
        try {
            return db.write((rotate ? "rotating" : "adding") + " DKIM keys of " + domain, c -> {
                long domainId = Accounts.domainId(c, domain).orElseThrow(() -> new NotFoundException("no local domain " + domain));
                if (rotate) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE dkim_keys SET state = 'rotated', changed_at = ? WHERE domain_id = ? AND state = 'active'")) {
                        Database.setInstant(ps, 1, now);
                        ps.setLong(2, domainId);
                        ps.executeUpdate();
                    }
                }
                List<DkimKey> out = new ArrayList<>();
                for (DkimKey.New k : keys) {
                    if (selectorTaken(c, domainId, k.selector())) {
                        throw new ConflictException("domain " + domain + " already has a DKIM selector " + k.selector());
                    }
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO dkim_keys (domain_id, selector, algorithm, private_key, public_key,"
                            + " state, created_at, changed_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
                        ps.setLong(1, domainId);
                        ps.setString(2, k.selector());
                        ps.setString(3, k.algorithm());
                        ps.setString(4, Base64.getEncoder().encodeToString(k.privateKeyPkcs8()));
                        ps.setString(5, Base64.getEncoder().encodeToString(k.publicKey()));
                        Database.setInstant(ps, 6, now);
                        Database.setInstant(ps, 7, now);
                        ps.executeUpdate();
                        try (ResultSet ids = ps.getGeneratedKeys()) {
                            ids.next();
                            out.add(new DkimKey(ids.getLong(1), domain, k.selector(), k.algorithm(), k.publicKey(), DkimKey.State.ACTIVE, now, now));
                        }
                    }
                }
                return out;
            });
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException sql && Database.isUniqueViolation(sql)) {
                throw new ConflictException("domain " + domain + " already has one of the selectors " + keys.stream().map(DkimKey.New::selector).toList());
            }
            throw e;
        }
    }

    private static boolean selectorTaken(Connection c, long domainId, String selector) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM dkim_keys WHERE domain_id = ? AND selector = ?")) {
            ps.setLong(1, domainId);
            ps.setString(2, selector);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Override
    public DkimKey retire(String domainName, String selector) {
        String domain = Accounts.normalizeDomain(domainName);
        Instant now = Database.now();
        return db.write("retiring DKIM key " + selector + " of " + domain, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE dkim_keys SET state = 'retired', changed_at = ? WHERE selector = ?"
                    + " AND domain_id = (SELECT id FROM domains WHERE name = ?)")) {
                Database.setInstant(ps, 1, now);
                ps.setString(2, selector);
                ps.setString(3, domain);
                if (ps.executeUpdate() == 0) {
                    throw new NotFoundException("domain " + domain + " has no DKIM selector " + selector);
                }
            }
            return query(c, " WHERE d.name = ? AND k.selector = ?", domain, selector).get(0);
        });
    }

    @Override
    public List<DkimKey> list() {
        return db.read("listing DKIM keys", c -> query(c, ""));
    }

    @Override
    public List<DkimKey> list(String domain) {
        String d = Accounts.normalizeDomain(domain);
        return db.read("listing DKIM keys of " + d, c -> query(c, " WHERE d.name = ?", d));
    }

    @Override
    public List<DkimKey.Signing> signingKeys(String domain) {
        String d = Accounts.normalizeDomain(domain);
        return db.read("reading the DKIM keys of " + d, c -> {
            List<DkimKey.Signing> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", k.private_key FROM dkim_keys k JOIN domains d ON d.id = k.domain_id"
                    + " WHERE d.name = ? AND k.state = 'active' ORDER BY k.algorithm DESC, k.selector")) {
                ps.setString(1, d);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DkimKey.Signing(key(rs), Base64.getDecoder().decode(rs.getString("private_key"))));
                    }
                }
            }
            return out;
        });
    }

    private static List<DkimKey> query(Connection c, String where, String... args) throws SQLException {
        List<DkimKey> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM dkim_keys k JOIN domains d ON d.id = k.domain_id"
                + where + " ORDER BY d.name, k.created_at, k.algorithm DESC, k.selector")) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(key(rs));
                }
            }
        }
        return out;
    }

    private static DkimKey key(ResultSet rs) throws SQLException {
        return new DkimKey(rs.getLong("id"), rs.getString("name"), rs.getString("selector"), rs.getString("algorithm"),
                Base64.getDecoder().decode(rs.getString("public_key")),
                DkimKey.State.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)),
                Database.getInstant(rs, "created_at"), Database.getInstant(rs, "changed_at"));
    }
}
