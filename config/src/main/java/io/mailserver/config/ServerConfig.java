package io.mailserver.config;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The validated configuration of one server process (and of mailctl, which reads the same file).
 *
 * <p>File format: one {@code key = value} per line, {@code #} starts a comment line, blank lines are
 * ignored. Every key has a default (see {@link ConfigKeys}); an environment variable
 * {@code MAILSERVER_KEY_NAME} overrides the file. Unknown keys and bad values are refused with one
 * message that names the key, the value and what is expected.
 */
public final class ServerConfig {
    public static final String ENV_PREFIX = "MAILSERVER_";

    private final Map<String, List<String>> values;
    /** The keys the file, the environment or the caller set (validated), without defaults: some defaults depend on them. */
    private final Map<String, List<String>> given;

    private ServerConfig(Map<String, List<String>> values, Map<String, List<String>> given) {
        this.values = values;
        this.given = given;
    }

    /** Defaults only (no file, no environment). */
    public static ServerConfig defaults() {
        return fromMap(Map.of());
    }

    /** Defaults overridden by the given keys; for tests and embedding. Values are validated. */
    public static ServerConfig fromMap(Map<String, String> overrides) {
        Map<String, List<String>> raw = new LinkedHashMap<>();
        overrides.forEach((k, v) -> raw.put(k, List.of(v)));
        return build(raw, "override");
    }

    /** Reads {@code file} (may be null: defaults) and then applies {@code env} overrides. */
    public static ServerConfig load(Path file, Map<String, String> env) {
        Map<String, List<String>> raw = new LinkedHashMap<>();
        if (file != null) {
            raw.putAll(parseFile(file));
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX)) {
                continue;
            }
            ConfigKey key = byEnvName(e.getKey());
            if (key == null) {
                throw new ConfigException("environment: " + e.getKey() + " is not a known setting (see docs/configuration.md)");
            }
            List<String> list = key.repeatable() ? List.of(e.getValue().split("\n")) : List.of(e.getValue());
            raw.put(key.name(), list);
        }
        return build(raw, file == null ? "environment" : file.toString());
    }

    private static ConfigKey byEnvName(String envName) {
        for (ConfigKey k : ConfigKeys.all().values()) {
            if (k.envName().equals(envName)) {
                return k;
            }
        }
        return null;
    }

    static Map<String, List<String>> parseFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("configuration file " + file + " cannot be read: " + e.getMessage());
        }
        Map<String, List<String>> raw = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (i + 1);
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("configuration " + where + ": expected key = value, found \"" + line + "\"");
            }
            String name = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            ConfigKey key = ConfigKeys.all().get(name);
            if (key == null) {
                throw new ConfigException("configuration " + where + ": unknown key \"" + name + "\" (see docs/configuration.md)");
            }
            List<String> existing = raw.get(name);
            if (existing != null && !key.repeatable()) {
                throw new ConfigException("configuration " + where + ": key \"" + name + "\" is set twice");
            }
            List<String> list = existing == null ? new ArrayList<>() : new ArrayList<>(existing);
            list.add(value);
            raw.put(name, list);
        }
        return raw;
    }

    private static ServerConfig build(Map<String, List<String>> raw, String source) {
        Map<String, List<String>> effective = new HashMap<>();
        Map<String, List<String>> given = new LinkedHashMap<>();
        for (ConfigKey key : ConfigKeys.all().values()) {
            effective.put(key.name(), key.defaultValue().isEmpty() && key.repeatable() ? List.of() : List.of(key.defaultValue()));
        }
        for (Map.Entry<String, List<String>> e : raw.entrySet()) {
            ConfigKey key = ConfigKeys.all().get(e.getKey());
            if (key == null) {
                throw new ConfigException("configuration " + source + ": unknown key \"" + e.getKey() + "\"");
            }
            List<String> vals = new ArrayList<>();
            for (String v : e.getValue()) {
                if (key.repeatable() && v.isBlank()) {
                    continue;
                }
                String problem = key.check(v);
                if (problem != null) {
                    throw ConfigException.badValue(key.name(), v, problem, source);
                }
                vals.add(v.strip());
            }
            effective.put(key.name(), Collections.unmodifiableList(vals));
            given.put(key.name(), effective.get(key.name()));
        }
        ServerConfig config = new ServerConfig(effective, Collections.unmodifiableMap(given));
        config.crossCheck(source);
        return config;
    }

    private void crossCheck(String source) {
        if (tlsCertChain().isPresent() != tlsPrivateKey().isPresent()) {
            throw new ConfigException("configuration " + source + ": " + ConfigKeys.TLS_CERT_CHAIN + " and " + ConfigKeys.TLS_PRIVATE_KEY
                    + " go together: set both or neither");
        }
        if (commandLineLimit() < 512) {
            throw ConfigException.badValue(ConfigKeys.LIMIT_COMMAND_LINE, get(ConfigKeys.LIMIT_COMMAND_LINE), "at least 512 (RFC 5321 4.5.3.1.4)", source);
        }
        if (maxRecipients() < 1) {
            throw ConfigException.badValue(ConfigKeys.LIMIT_RECIPIENTS, get(ConfigKeys.LIMIT_RECIPIENTS), "at least 1", source);
        }
        if (dbPoolSize() < 2) {
            throw ConfigException.badValue(ConfigKeys.DB_POOL_SIZE, get(ConfigKeys.DB_POOL_SIZE), "at least 2", source);
        }
        if (relayConcurrency() < 1) {
            throw ConfigException.badValue(ConfigKeys.RELAY_CONCURRENCY, get(ConfigKeys.RELAY_CONCURRENCY), "at least 1", source);
        }
        if (relayConcurrencyPerDestination() < 1) {
            throw ConfigException.badValue(ConfigKeys.RELAY_CONCURRENCY_PER_DESTINATION, get(ConfigKeys.RELAY_CONCURRENCY_PER_DESTINATION), "at least 1", source);
        }
        if (relayLease().compareTo(Duration.ofSeconds(1)) < 0) {
            throw ConfigException.badValue(ConfigKeys.RELAY_LEASE, get(ConfigKeys.RELAY_LEASE), "at least 1s", source);
        }
        if (relayPollInterval().compareTo(Duration.ofMillis(10)) < 0) {
            throw ConfigException.badValue(ConfigKeys.RELAY_POLL_INTERVAL, get(ConfigKeys.RELAY_POLL_INTERVAL), "at least 10ms", source);
        }
        if (retryInitial().isZero() || retryMax().compareTo(retryInitial()) < 0) {
            throw ConfigException.badValue(ConfigKeys.RELAY_RETRY_INITIAL, get(ConfigKeys.RELAY_RETRY_INITIAL),
                    "more than 0 and at most " + ConfigKeys.RELAY_RETRY_MAX, source);
        }
        String host = get(ConfigKeys.HOSTNAME);
        if (!host.isEmpty()) {
            String problem = new ConfigKey(ConfigKeys.HOSTNAME, "", ConfigKey.Kind.HOSTNAME, List.of(), false, "").check(host);
            if (problem != null) {
                throw ConfigException.badValue(ConfigKeys.HOSTNAME, host, problem, source);
            }
        }
    }

    /** The raw (validated) value of a key, as a string; for keys with no typed getter. */
    public String get(String key) {
        List<String> v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("unknown configuration key " + key);
        }
        return v.isEmpty() ? "" : v.get(0);
    }

    /** A copy of this configuration with some keys changed; validated like the file. */
    public ServerConfig with(Map<String, String> changes) {
        Map<String, List<String>> raw = new LinkedHashMap<>(given);
        changes.forEach((k, v) -> raw.put(k, List.of(v)));
        return build(raw, "override");
    }

    /** Settings that still work but should be changed, one sentence each (the launcher logs them). */
    public List<String> deprecations() {
        List<String> out = new ArrayList<>();
        if (given.containsKey(ConfigKeys.TLS_ALLOW_PLAINTEXT_AUTH)) {
            out.add(ConfigKeys.TLS_ALLOW_PLAINTEXT_AUTH + " is deprecated: set " + ConfigKeys.SMTP_PLAINTEXT_AUTH + ", "
                    + ConfigKeys.SUBMISSION_PLAINTEXT_AUTH + " and " + ConfigKeys.POP3_PLAINTEXT_AUTH
                    + " (never, loopback or always) instead; " + ConfigKeys.TLS_ALLOW_PLAINTEXT_AUTH + " = true means always where those are not set");
        }
        return out;
    }

    private Optional<String> optional(String key) {
        String v = get(key);
        return v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    private Optional<HostPort> listen(String key) {
        return optional(key).map(HostPort::parse);
    }

    // ---- server

    public String hostname() {
        String h = get(ConfigKeys.HOSTNAME);
        if (!h.isEmpty()) {
            return h.toLowerCase(Locale.ROOT);
        }
        try {
            return InetAddress.getLocalHost().getCanonicalHostName().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            return "localhost";
        }
    }

    public Path dataDir() {
        return Path.of(get(ConfigKeys.DATA_DIR)).toAbsolutePath().normalize();
    }

    public Optional<String> defaultDomain() {
        return optional(ConfigKeys.DEFAULT_DOMAIN).map(s -> s.toLowerCase(Locale.ROOT));
    }

    public Optional<String> postmasterAddress() {
        return optional(ConfigKeys.POSTMASTER);
    }

    public Duration shutdownGrace() {
        return Values.parseDuration(get(ConfigKeys.SHUTDOWN_GRACE));
    }

    // ---- database

    /** The JDBC URL as configured, or empty for the embedded default (the store decides its exact settings). */
    public Optional<String> databaseUrl() {
        return optional(ConfigKeys.DB_URL);
    }

    public String databaseUser() {
        return get(ConfigKeys.DB_USER);
    }

    public String databasePassword() {
        return get(ConfigKeys.DB_PASSWORD);
    }

    public int dbPoolSize() {
        return Integer.parseInt(get(ConfigKeys.DB_POOL_SIZE));
    }

    /** {@code auto}, {@code files} or {@code database}: where new message content goes (the store decides what auto means). */
    public String contentStorage() {
        return get(ConfigKeys.DB_CONTENT);
    }

    // ---- listeners

    public Optional<HostPort> smtpListen() {
        return listen(ConfigKeys.SMTP_LISTEN);
    }

    public Optional<HostPort> submissionListen() {
        return listen(ConfigKeys.SUBMISSION_LISTEN);
    }

    public Optional<HostPort> smtpsListen() {
        return listen(ConfigKeys.SMTPS_LISTEN);
    }

    public Optional<HostPort> pop3Listen() {
        return listen(ConfigKeys.POP3_LISTEN);
    }

    public Optional<HostPort> pop3sListen() {
        return listen(ConfigKeys.POP3S_LISTEN);
    }

    public Optional<HostPort> httpListen() {
        return listen(ConfigKeys.HTTP_LISTEN);
    }

    public Optional<HostPort> httpsListen() {
        return listen(ConfigKeys.HTTPS_LISTEN);
    }

    /** {@code none}, {@code testing} or {@code enforce}. */
    public String mtaStsMode() {
        return get(ConfigKeys.MTA_STS_MODE);
    }

    public Duration mtaStsMaxAge() {
        return Values.parseDuration(get(ConfigKeys.MTA_STS_MAX_AGE));
    }

    // ---- TLS and auth

    public Optional<Path> tlsCertChain() {
        return optional(ConfigKeys.TLS_CERT_CHAIN).map(p -> dataDir().resolve(p));
    }

    public Optional<Path> tlsPrivateKey() {
        return optional(ConfigKeys.TLS_PRIVATE_KEY).map(p -> dataDir().resolve(p));
    }

    /** Login before STARTTLS on the SMTP (MX) listener ({@code smtp.plaintext-auth}). */
    public PlaintextAuth smtpPlaintextAuth() {
        return plaintextAuth(ConfigKeys.SMTP_PLAINTEXT_AUTH);
    }

    /** Login before STARTTLS on the submission listener ({@code submission.plaintext-auth}). */
    public PlaintextAuth submissionPlaintextAuth() {
        return plaintextAuth(ConfigKeys.SUBMISSION_PLAINTEXT_AUTH);
    }

    /** Login before STLS on the POP3 listener ({@code pop3.plaintext-auth}). */
    public PlaintextAuth pop3PlaintextAuth() {
        return plaintextAuth(ConfigKeys.POP3_PLAINTEXT_AUTH);
    }

    /**
     * A listener's own key wins; where it is not set, the deprecated {@code tls.allow-plaintext-auth = true} (one
     * switch for everything, kept so existing files keep working) means {@link PlaintextAuth#ALWAYS}.
     */
    private PlaintextAuth plaintextAuth(String key) {
        if (!given.containsKey(key) && Boolean.parseBoolean(get(ConfigKeys.TLS_ALLOW_PLAINTEXT_AUTH))) {
            return PlaintextAuth.ALWAYS;
        }
        return PlaintextAuth.parse(get(key));
    }

    /**
     * The PROXY protocol sources of the listener named {@code listener} ({@code smtp}, {@code submission},
     * {@code smtps}, {@code pop3}, {@code pop3s}: its {@code .proxy-from} key); empty when it takes none.
     */
    public List<Cidr> proxyFrom(String listener) {
        String key = listener + ".proxy-from";
        if (!ConfigKeys.all().containsKey(key)) {
            return List.of();
        }
        return Values.splitList(get(key)).stream().map(Cidr::parse).toList();
    }

    public List<Cidr> trustedNetworks() {
        return Values.splitList(get(ConfigKeys.TRUSTED_NETWORKS)).stream().map(Cidr::parse).toList();
    }

    public boolean isTrusted(InetAddress address) {
        for (Cidr c : trustedNetworks()) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    // ---- SMTP

    /** Who gets real VRFY/EXPN answers. */
    public enum Disclosure { EVERYONE, TRUSTED, NOBODY }

    public Disclosure vrfy() {
        return Disclosure.valueOf(get(ConfigKeys.SMTP_VRFY).toUpperCase(Locale.ROOT));
    }

    public Disclosure expn() {
        return Disclosure.valueOf(get(ConfigKeys.SMTP_EXPN).toUpperCase(Locale.ROOT));
    }

    /** True: a bare CR or LF in DATA rejects the message; false: it is normalized to CRLF. */
    public boolean rejectBareNewline() {
        return get(ConfigKeys.SMTP_BARE_NEWLINE).equalsIgnoreCase("reject");
    }

    public boolean rejectLongDataLines() {
        return get(ConfigKeys.SMTP_LONG_DATA_LINES).equalsIgnoreCase("reject");
    }

    public int maxReceivedHeaders() {
        return Integer.parseInt(get(ConfigKeys.SMTP_MAX_RECEIVED_HEADERS));
    }

    public boolean dkimSign() {
        return Boolean.parseBoolean(get(ConfigKeys.DKIM_SIGN));
    }

    public boolean checkSenderDomain() {
        return Boolean.parseBoolean(get(ConfigKeys.SMTP_CHECK_SENDER_DOMAIN));
    }

    public Duration smtpTimeout() {
        return Values.parseDuration(get(ConfigKeys.SMTP_TIMEOUT));
    }

    public Duration smtpDataTimeout() {
        return Values.parseDuration(get(ConfigKeys.SMTP_DATA_TIMEOUT));
    }

    public Duration smtpGreetPause() {
        return Values.parseDuration(get(ConfigKeys.SMTP_GREET_PAUSE));
    }

    public List<Pattern> contentRejectPatterns() {
        return values.get(ConfigKeys.CONTENT_REJECT_PATTERN).stream().map(Pattern::compile).toList();
    }

    // ---- inbound mail authentication

    public boolean authChecks() {
        return Boolean.parseBoolean(get(ConfigKeys.AUTH_CHECKS));
    }

    /** True: an SPF fail refuses the message (unless DMARC passes); false: it is only recorded. */
    public boolean rejectSpfFail() {
        return get(ConfigKeys.AUTH_SPF_FAIL).equalsIgnoreCase("reject");
    }

    /** True: a DMARC failure under p=reject refuses the message; false: it is delivered marked. */
    public boolean enforceDmarcReject() {
        return get(ConfigKeys.AUTH_DMARC_REJECT).equalsIgnoreCase("reject");
    }

    public List<String> dnsblZones() {
        return values.get(ConfigKeys.AUTH_DNSBL).stream().map(String::trim).filter(z -> !z.isEmpty()).toList();
    }

    public boolean reverseDns() {
        return Boolean.parseBoolean(get(ConfigKeys.AUTH_REVERSE_DNS));
    }

    public Duration authDnsTimeout() {
        return Values.parseDuration(get(ConfigKeys.AUTH_DNS_TIMEOUT));
    }

    // ---- POP3

    public Duration pop3Timeout() {
        return Values.parseDuration(get(ConfigKeys.POP3_TIMEOUT));
    }

    public Duration pop3LockTtl() {
        return Values.parseDuration(get(ConfigKeys.POP3_LOCK_TTL));
    }

    // ---- limits

    public long maxMessageSize() {
        return Values.parseSize(get(ConfigKeys.LIMIT_MESSAGE_SIZE));
    }

    public int maxRecipients() {
        return Integer.parseInt(get(ConfigKeys.LIMIT_RECIPIENTS));
    }

    public int commandLineLimit() {
        return Integer.parseInt(get(ConfigKeys.LIMIT_COMMAND_LINE));
    }

    public int maxConnections() {
        return Integer.parseInt(get(ConfigKeys.LIMIT_CONNECTIONS));
    }

    public int maxConnectionsPerIp() {
        return Integer.parseInt(get(ConfigKeys.LIMIT_CONNECTIONS_PER_IP));
    }

    public int maxErrors() {
        return Integer.parseInt(get(ConfigKeys.LIMIT_ERRORS));
    }

    public int maxAuthFailures() {
        return Integer.parseInt(get(ConfigKeys.LIMIT_AUTH_FAILURES));
    }

    // ---- outbound relay

    public Optional<HostPort> smarthost() {
        return listen(ConfigKeys.RELAY_SMARTHOST);
    }

    public String smarthostTls() {
        return get(ConfigKeys.RELAY_SMARTHOST_TLS).toLowerCase(Locale.ROOT);
    }

    public Optional<String> smarthostUser() {
        return optional(ConfigKeys.RELAY_SMARTHOST_USER);
    }

    public String smarthostPassword() {
        return get(ConfigKeys.RELAY_SMARTHOST_PASSWORD);
    }

    /** Per-domain routes, domain in lower case. */
    public Map<String, HostPort> relayRoutes() {
        return Values.parseRoutes(get(ConfigKeys.RELAY_ROUTES));
    }

    public Duration retryInitial() {
        return Values.parseDuration(get(ConfigKeys.RELAY_RETRY_INITIAL));
    }

    public Duration retryMax() {
        return Values.parseDuration(get(ConfigKeys.RELAY_RETRY_MAX));
    }

    public Duration queueLifetime() {
        return Values.parseDuration(get(ConfigKeys.RELAY_LIFETIME));
    }

    public Duration delayWarning() {
        return Values.parseDuration(get(ConfigKeys.RELAY_DELAY_WARNING));
    }

    public int relayConcurrency() {
        return Integer.parseInt(get(ConfigKeys.RELAY_CONCURRENCY));
    }

    public int relayConcurrencyPerDestination() {
        return Integer.parseInt(get(ConfigKeys.RELAY_CONCURRENCY_PER_DESTINATION));
    }

    public Duration relayConnectTimeout() {
        return Values.parseDuration(get(ConfigKeys.RELAY_CONNECT_TIMEOUT));
    }

    public Optional<HostPort> dnsResolver() {
        return listen(ConfigKeys.DNS_RESOLVER);
    }

    // ---- logging

    public Optional<Path> logFile() {
        return optional(ConfigKeys.LOG_FILE).map(p -> dataDir().resolve(p));
    }

    public String logLevel() {
        return get(ConfigKeys.LOG_LEVEL).toUpperCase(Locale.ROOT);
    }

    // ---- outbound queue runner (appended)

    public Duration relayPollInterval() {
        return Values.parseDuration(get(ConfigKeys.RELAY_POLL_INTERVAL));
    }

    public Duration relayLease() {
        return Values.parseDuration(get(ConfigKeys.RELAY_LEASE));
    }

    public Duration queueHistoryRetention() {
        return Values.parseDuration(get(ConfigKeys.QUEUE_HISTORY_RETENTION));
    }
}
