package io.mailserver.config;

import static io.mailserver.config.ConfigKey.Kind.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key the configuration file accepts, with its default. This table is the reference:
 * {@code docs/configuration.md} and {@code conf/mailserver.conf} describe the same keys.
 */
public final class ConfigKeys {
    private ConfigKeys() {
    }

    public static final String HOSTNAME = "server.hostname";
    public static final String DATA_DIR = "server.data-dir";
    public static final String DEFAULT_DOMAIN = "server.default-domain";
    public static final String POSTMASTER = "server.postmaster";
    public static final String SHUTDOWN_GRACE = "server.shutdown-grace";

    public static final String DB_URL = "db.url";
    public static final String DB_USER = "db.user";
    public static final String DB_PASSWORD = "db.password";
    public static final String DB_POOL_SIZE = "db.pool-size";
    public static final String DB_CONTENT = "db.content";

    public static final String SMTP_LISTEN = "smtp.listen";
    public static final String SMTP_PLAINTEXT_AUTH = "smtp.plaintext-auth";
    public static final String SUBMISSION_LISTEN = "submission.listen";
    public static final String SUBMISSION_PLAINTEXT_AUTH = "submission.plaintext-auth";
    public static final String SMTPS_LISTEN = "smtps.listen";
    public static final String POP3_LISTEN = "pop3.listen";
    public static final String POP3_PLAINTEXT_AUTH = "pop3.plaintext-auth";
    public static final String POP3S_LISTEN = "pop3s.listen";
    /** Per listener: the load balancers that put a PROXY protocol header in front of each connection. */
    public static final String SMTP_PROXY_FROM = "smtp.proxy-from";
    public static final String SUBMISSION_PROXY_FROM = "submission.proxy-from";
    public static final String SMTPS_PROXY_FROM = "smtps.proxy-from";
    public static final String POP3_PROXY_FROM = "pop3.proxy-from";
    public static final String POP3S_PROXY_FROM = "pop3s.proxy-from";

    public static final String HTTP_LISTEN = "http.listen";
    public static final String HTTPS_LISTEN = "https.listen";
    public static final String MTA_STS_MODE = "mta-sts.mode";
    public static final String MTA_STS_MAX_AGE = "mta-sts.max-age";

    public static final String TLS_CERT_CHAIN = "tls.cert-chain";
    public static final String TLS_PRIVATE_KEY = "tls.private-key";
    /** Deprecated: {@code true} means {@code always} for each listener whose own {@code *.plaintext-auth} is not set. */
    public static final String TLS_ALLOW_PLAINTEXT_AUTH = "tls.allow-plaintext-auth";

    public static final String TRUSTED_NETWORKS = "network.trusted";

    public static final String SMTP_VRFY = "smtp.vrfy";
    public static final String SMTP_EXPN = "smtp.expn";
    public static final String SMTP_BARE_NEWLINE = "smtp.bare-newline";
    public static final String SMTP_LONG_DATA_LINES = "smtp.long-data-lines";
    public static final String SMTP_MAX_RECEIVED_HEADERS = "smtp.max-received-headers";
    public static final String SMTP_CHECK_SENDER_DOMAIN = "smtp.check-sender-domain";
    public static final String SMTP_TIMEOUT = "smtp.timeout";
    public static final String SMTP_DATA_TIMEOUT = "smtp.data-timeout";
    public static final String SMTP_GREET_PAUSE = "smtp.greet-pause";
    public static final String CONTENT_REJECT_PATTERN = "content.reject-pattern";

    public static final String AUTH_CHECKS = "auth.checks";
    public static final String AUTH_SPF_FAIL = "auth.spf-fail";
    public static final String AUTH_DMARC_REJECT = "auth.dmarc-reject";
    public static final String AUTH_DNSBL = "auth.dnsbl";
    public static final String AUTH_REVERSE_DNS = "auth.reverse-dns";
    public static final String AUTH_DNS_TIMEOUT = "auth.dns-timeout";

    public static final String POP3_TIMEOUT = "pop3.timeout";
    public static final String POP3_LOCK_TTL = "pop3.lock-ttl";

    public static final String LIMIT_MESSAGE_SIZE = "limits.message-size";
    public static final String LIMIT_RECIPIENTS = "limits.recipients";
    public static final String LIMIT_COMMAND_LINE = "limits.command-line-length";
    public static final String LIMIT_CONNECTIONS = "limits.connections";
    public static final String LIMIT_CONNECTIONS_PER_IP = "limits.connections-per-ip";
    public static final String LIMIT_ERRORS = "limits.errors";
    public static final String LIMIT_AUTH_FAILURES = "limits.auth-failures";

    public static final String RELAY_SMARTHOST = "relay.smarthost";
    public static final String RELAY_SMARTHOST_TLS = "relay.smarthost-tls";
    public static final String RELAY_SMARTHOST_USER = "relay.smarthost-user";
    public static final String RELAY_SMARTHOST_PASSWORD = "relay.smarthost-password";
    public static final String RELAY_ROUTES = "relay.routes";
    public static final String RELAY_RETRY_INITIAL = "relay.retry-initial";
    public static final String RELAY_RETRY_MAX = "relay.retry-max";
    public static final String RELAY_LIFETIME = "relay.lifetime";
    public static final String RELAY_DELAY_WARNING = "relay.delay-warning";
    public static final String RELAY_CONCURRENCY = "relay.concurrency";
    public static final String RELAY_CONCURRENCY_PER_DESTINATION = "relay.concurrency-per-destination";
    public static final String RELAY_CONNECT_TIMEOUT = "relay.connect-timeout";
    public static final String DNS_RESOLVER = "dns.resolver";
    public static final String DKIM_SIGN = "dkim.sign";

    public static final String LOG_FILE = "log.file";
    public static final String LOG_LEVEL = "log.level";

    public static final String RELAY_POLL_INTERVAL = "relay.poll-interval";
    public static final String RELAY_LEASE = "relay.lease";
    public static final String QUEUE_HISTORY_RETENTION = "queue.history-retention";

    private static final List<String> PLAINTEXT_AUTH_CHOICES = List.of("never", "loopback", "always");

    private static final Map<String, ConfigKey> ALL = new LinkedHashMap<>();

    private static void key(String name, String def, ConfigKey.Kind kind, String doc) {
        ALL.put(name, new ConfigKey(name, def, kind, List.of(), false, doc));
    }

    private static void choice(String name, String def, List<String> choices, String doc) {
        ALL.put(name, new ConfigKey(name, def, CHOICE, choices, false, doc));
    }

    static {
        key(HOSTNAME, "", STRING, "Name of this server in greetings and Received headers (empty: the machine's host name).");
        key(DATA_DIR, "data", PATH, "Directory for the embedded database and its password (db.secret), message content files (content/), the self-signed certificate and log files; created owner-only (0700). Run mailctl as the same OS user as the server.");
        key(DEFAULT_DOMAIN, "", DOMAIN_OR_EMPTY, "Domain assumed when a POP3 or AUTH user name has no @ (empty: full addresses only).");
        key(POSTMASTER, "", ADDRESS_OR_EMPTY, "Where mail to postmaster@ of any local domain goes when no user or alias of that name exists.");
        key(SHUTDOWN_GRACE, "30s", DURATION, "On SIGTERM, how long transactions in progress may take to finish.");

        key(DB_URL, "", STRING, "JDBC URL of the store (empty: an embedded H2 file in the data directory).");
        key(DB_USER, "mail", STRING, "Database user.");
        key(DB_PASSWORD, "", STRING, "Database password. For the embedded database leave it empty: a random one is made at the first start and kept in <data-dir>/db.secret.");
        key(DB_POOL_SIZE, "32", INT, "Maximum number of pooled database connections.");
        choice(DB_CONTENT, "auto", List.of("auto", "files", "database"), "Where new message content is kept: one file per message under <data-dir>/content (files), or rows in the database (database). auto: files for the embedded database, the database for db.url, so that nodes sharing one PostgreSQL share the content; choose files there only if every node's data-dir/content is the same shared file system. Stored content is read from wherever it is, so a change applies to new mail.");

        key(SMTP_LISTEN, "0.0.0.0:2525", LISTEN_OR_EMPTY, "SMTP (MX) listener; production: 0.0.0.0:25. Empty turns it off.");
        choice(SMTP_PLAINTEXT_AUTH, "never", PLAINTEXT_AUTH_CHOICES, "Who may AUTH on the SMTP (MX) listener before STARTTLS: nobody (never), clients on 127.0.0.0/8 or ::1 (loopback), anyone (always).");
        key(SUBMISSION_LISTEN, "0.0.0.0:2587", LISTEN_OR_EMPTY, "Submission listener (STARTTLS, AUTH required); production: 0.0.0.0:587.");
        choice(SUBMISSION_PLAINTEXT_AUTH, "never", PLAINTEXT_AUTH_CHOICES, "Who may AUTH on the submission listener before STARTTLS: nobody (never), clients on this host such as webmail (loopback), anyone (always).");
        key(SMTPS_LISTEN, "0.0.0.0:2465", LISTEN_OR_EMPTY, "Submission over implicit TLS; production: 0.0.0.0:465.");
        key(POP3_LISTEN, "0.0.0.0:2110", LISTEN_OR_EMPTY, "POP3 listener (STLS); production: 0.0.0.0:110.");
        choice(POP3_PLAINTEXT_AUTH, "never", PLAINTEXT_AUTH_CHOICES, "Who may log in (USER/PASS, AUTH) on the POP3 listener before STLS: nobody (never), clients on this host (loopback), anyone (always).");
        key(POP3S_LISTEN, "0.0.0.0:2995", LISTEN_OR_EMPTY, "POP3 over implicit TLS; production: 0.0.0.0:995.");
        key(SMTP_PROXY_FROM, "", CIDR_LIST, "Load balancers (HAProxy, ...) in front of the SMTP (MX) listener that send the PROXY protocol header (v1 or v2): a connection from these addresses must start with one, and the address in it is the client's for relay control, limits, logins and Received; a header from anywhere else is refused. Empty: off.");
        key(SUBMISSION_PROXY_FROM, "", CIDR_LIST, "Load balancers (HAProxy, ...) in front of the submission listener that send the PROXY protocol header (v1 or v2): a connection from these addresses must start with one, and the address in it is the client's for relay control, limits, logins and Received; a header from anywhere else is refused. Empty: off.");
        key(SMTPS_PROXY_FROM, "", CIDR_LIST, "Load balancers (HAProxy, ...) in front of the SMTPS listener that send the PROXY protocol header (v1 or v2): a connection from these addresses must start with one, and the address in it is the client's for relay control, limits, logins and Received; a header from anywhere else is refused. Empty: off.");
        key(POP3_PROXY_FROM, "", CIDR_LIST, "Load balancers (HAProxy, ...) in front of the POP3 listener that send the PROXY protocol header (v1 or v2): a connection from these addresses must start with one, and the address in it is the client's for relay control, limits, logins and Received; a header from anywhere else is refused. Empty: off.");
        key(POP3S_PROXY_FROM, "", CIDR_LIST, "Load balancers (HAProxy, ...) in front of the POP3S listener that send the PROXY protocol header (v1 or v2): a connection from these addresses must start with one, and the address in it is the client's for relay control, limits, logins and Received; a header from anywhere else is refused. Empty: off.");
        key(HTTP_LISTEN, "127.0.0.1:8080", LISTEN_OR_EMPTY, "Plain HTTP for client autoconfiguration and health checks, for loopback or behind a proxy; production: 0.0.0.0:80 (Thunderbird also asks autoconfig.DOMAIN over HTTP). Empty turns it off.");
        key(HTTPS_LISTEN, "0.0.0.0:8443", LISTEN_OR_EMPTY, "HTTPS (the certificate of the mail listeners) for autoconfig, Autodiscover and the MTA-STS policy; production: 0.0.0.0:443. Empty turns it off.");
        choice(MTA_STS_MODE, "testing", List.of("none", "testing", "enforce"), "Mode of the MTA-STS policy served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt (RFC 8461): start with testing, enforce once TLS reports are clean.");
        key(MTA_STS_MAX_AGE, "7d", DURATION, "How long senders may cache the MTA-STS policy (max_age).");

        key(TLS_CERT_CHAIN, "", PATH, "PEM certificate chain (e.g. certbot's fullchain.pem); empty: a self-signed one in the data directory.");
        key(TLS_PRIVATE_KEY, "", PATH, "PEM private key (e.g. certbot's privkey.pem).");
        key(TLS_ALLOW_PLAINTEXT_AUTH, "false", BOOLEAN, "Deprecated (use the three *.plaintext-auth keys): true means always for each of smtp, submission and pop3 whose own plaintext-auth key is not set.");

        key(TRUSTED_NETWORKS, "127.0.0.0/8, ::1/128", CIDR_LIST, "Clients in these networks may relay without AUTH and see VRFY/EXPN answers.");

        choice(SMTP_VRFY, "trusted", List.of("everyone", "trusted", "nobody"), "Who gets real VRFY answers (trusted = trusted networks and authenticated users).");
        choice(SMTP_EXPN, "trusted", List.of("everyone", "trusted", "nobody"), "Who gets real EXPN answers.");
        choice(SMTP_BARE_NEWLINE, "reject", List.of("reject", "normalize"), "A bare CR or LF inside DATA: reject the message, or turn it into CRLF.");
        choice(SMTP_LONG_DATA_LINES, "accept", List.of("accept", "reject"), "A DATA line over 998 octets (RFC 5322 limit): accept it as is, or reject the message.");
        key(SMTP_MAX_RECEIVED_HEADERS, "50", INT, "More Received headers than this means a mail loop (554 5.4.6).");
        key(SMTP_CHECK_SENDER_DOMAIN, "false", BOOLEAN, "Refuse MAIL FROM domains without MX or address records (untrusted, unauthenticated clients); off by default like Postfix, turn on where DNS works.");
        key(SMTP_TIMEOUT, "5m", DURATION, "Idle time allowed between SMTP commands (RFC 5321 4.5.3.2: at least 5 minutes).");
        key(SMTP_DATA_TIMEOUT, "10m", DURATION, "Idle time allowed inside DATA.");
        key(SMTP_GREET_PAUSE, "0s", DURATION, "Wait this long before the SMTP greeting; a client that talks first is refused (554 5.5.0), like Postfix postscreen's pregreet test (0: greet at once).");
        ALL.put(CONTENT_REJECT_PATTERN, new ConfigKey(CONTENT_REJECT_PATTERN, "", REGEX, List.of(), true,
                "A regular expression; a message with a header or body line matching it is refused (554 5.7.1). Repeat the key for more."));

        key(AUTH_CHECKS, "true", BOOLEAN, "Check SPF and DMARC of mail on the MX listener and record the results (and the DKIM verifier's) in one"
                + " Authentication-Results header; never for trusted networks or authenticated sessions.");
        choice(AUTH_SPF_FAIL, "mark", List.of("mark", "reject"), "A sender whose SPF record says -all for the client (spf=fail): only mark it in"
                + " Authentication-Results (DMARC decides; forwarded mail often fails SPF), or refuse the message (550 5.7.23) unless DMARC passes.");
        choice(AUTH_DMARC_REJECT, "reject", List.of("reject", "mark"), "A message failing DMARC for a domain whose policy is p=reject: refuse it"
                + " at the end of DATA (550 5.7.1), or deliver it marked. quarantine and none always deliver with the header.");
        ALL.put(AUTH_DNSBL, new ConfigKey(AUTH_DNSBL, "", DOMAIN_OR_EMPTY, List.of(), true,
                "A DNS blocklist zone, e.g. zen.spamhaus.org; a client listed there is refused at connect (554 5.7.1 with the list's text)."
                        + " Repeat the key for more; none by default."));
        key(AUTH_REVERSE_DNS, "true", BOOLEAN, "Look up the client's forward-confirmed reverse DNS name at connect and write it in the Received"
                + " header, as Postfix does: from helo (name [ip]), or (unknown [ip]).");
        key(AUTH_DNS_TIMEOUT, "5s", DURATION, "Time allowed for one DNS query of the inbound checks (SPF, DMARC, blocklists, reverse DNS).");
        key(POP3_TIMEOUT, "10m", DURATION, "POP3 autologout timer (RFC 1939: at least 10 minutes).");
        key(POP3_LOCK_TTL, "2m", DURATION, "How long a maildrop lock outlives a node that died holding it (live sessions refresh it every sixth of this).");

        key(LIMIT_MESSAGE_SIZE, "32M", SIZE, "Largest message accepted (advertised in EHLO SIZE).");
        key(LIMIT_RECIPIENTS, "1000", INT, "Recipients per message (RFC 5321 asks for at least 100).");
        key(LIMIT_COMMAND_LINE, "2048", INT, "Longest command line accepted, CRLF included (RFC 5321: at least 512).");
        key(LIMIT_CONNECTIONS, "10000", INT, "Simultaneous connections per listener.");
        key(LIMIT_CONNECTIONS_PER_IP, "20", INT, "Simultaneous connections from one address (trusted networks are exempt).");
        key(LIMIT_ERRORS, "20", INT, "Errors in one session before 421 and close (replies are slowed past half of it).");
        key(LIMIT_AUTH_FAILURES, "5", INT, "Failed logins from one address within 15 minutes before further attempts are refused.");

        key(RELAY_SMARTHOST, "", LISTEN_OR_EMPTY, "Send all outbound mail through this host:port (empty: MX lookup).");
        choice(RELAY_SMARTHOST_TLS, "opportunistic", List.of("none", "opportunistic", "required"), "STARTTLS toward the smarthost.");
        key(RELAY_SMARTHOST_USER, "", STRING, "AUTH user for the smarthost (empty: no AUTH).");
        key(RELAY_SMARTHOST_PASSWORD, "", STRING, "AUTH password for the smarthost.");
        key(RELAY_ROUTES, "", ROUTES, "Per-domain routes, e.g. remote.test -> [127.0.0.1]:2600; they win over MX and smarthost.");
        key(RELAY_RETRY_INITIAL, "5m", DURATION, "First retry delay of a deferred recipient; it doubles each attempt.");
        key(RELAY_RETRY_MAX, "1h", DURATION, "Longest retry delay.");
        key(RELAY_LIFETIME, "5d", DURATION, "How long a message is retried before it bounces.");
        key(RELAY_DELAY_WARNING, "4h", DURATION, "Send a delay notice to the sender after this long (0 turns it off).");
        key(RELAY_CONCURRENCY, "20", INT, "Outbound deliveries in progress at once.");
        key(RELAY_CONCURRENCY_PER_DESTINATION, "5", INT, "Outbound deliveries in progress at once to one destination.");
        key(RELAY_CONNECT_TIMEOUT, "30s", DURATION, "Timeout for opening a connection to a remote server.");
        key(RELAY_POLL_INTERVAL, "1s", DURATION, "How often the queue runner looks for due mail when nothing wakes it sooner.");
        key(RELAY_LEASE, "5m", DURATION, "How long a queue runner holds claimed rows between renewals; after a crash they are retried this much later.");
        key(QUEUE_HISTORY_RETENTION, "7d", DURATION, "How long delivered and failed queue rows stay for mailctl queue list before the queue runner"
                + " purges them with their content (0: at once); mailctl queue purge uses it too.");
        key(DNS_RESOLVER, "", LISTEN_OR_EMPTY, "DNS server as host:port (empty: the system's resolvers).");
        key(DKIM_SIGN, "true", BOOLEAN, "DKIM-sign mail from local domains as it leaves (authenticated, trusted networks, the server's own notices),"
                + " with the active keys of mailctl dkim; false sends it unsigned.");

        key(LOG_FILE, "", PATH, "Also log to this file, rolled daily (relative paths are under the data directory; empty: console only).");
        choice(LOG_LEVEL, "info", List.of("error", "warn", "info", "debug", "trace"), "Log level of the server's own loggers.");
    }

    public static Map<String, ConfigKey> all() {
        return java.util.Collections.unmodifiableMap(ALL);
    }
}
