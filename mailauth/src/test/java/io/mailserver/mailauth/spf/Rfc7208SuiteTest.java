package io.mailserver.mailauth.spf;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mailserver.testkit.dns.LoopbackDnsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The openspf RFC 7208 test suite (pyspf's rfc7208-tests.yml, shipped by Debian's python3-spf, which
 * .ci/run installs), every case run through the real DNS path: each section's zone is served by a
 * {@link LoopbackDnsServer} and read with {@link DnsjavaSpfDns}. TIMEOUT in the zone data is a server
 * that stays silent; SPF-type records are copied to TXT where a name has no TXT record, as the suite's
 * own drivers do (a name with TXT "NONE" gets neither). TIMEOUT is the answer to the question the
 * zone has no records for: the TXT question stays unanswered only where the name has no TXT record.
 */
class Rfc7208SuiteTest {
    static final Path SUITE = Path.of(System.getProperty("spf.testsuite", "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz"));

    @Test
    void everyCaseOfTheSuiteGivesAnAcceptedResult() throws Exception {
        assumeTrue(Files.isReadable(SUITE), "RFC 7208 test suite not installed (apt-get install python3-spf): " + SUITE);
        List<String> failures = new ArrayList<>();
        int cases = 0;
        try (LoopbackDnsServer server = new LoopbackDnsServer(); InputStream in = open(SUITE)) {
            SpfDns dns = DnsjavaSpfDns.forServer("127.0.0.1", server.address().port(), Duration.ofMillis(300));
            LoaderOptions options = new LoaderOptions();
            for (Object doc : new Yaml(options).loadAll(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> section = (Map<String, Object>) doc;
                String description = (String) section.get("description");
                server.clear();
                // a fresh resolver cache per section: names recur across sections with other records
                dns = DnsjavaSpfDns.forServer("127.0.0.1", server.address().port(), Duration.ofMillis(300));
                @SuppressWarnings("unchecked")
                Map<String, List<Object>> zone = (Map<String, List<Object>>) section.get("zonedata");
                load(server, zone == null ? Map.of() : zone);
                SpfChecker checker = new SpfChecker(dns, "receiver.test", Clock.systemUTC());
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> tests = (Map<String, Map<String, Object>>) section.get("tests");
                for (Map.Entry<String, Map<String, Object>> t : tests.entrySet()) {
                    cases++;
                    Map<String, Object> c = t.getValue();
                    String mailFrom = String.valueOf(c.get("mailfrom"));
                    SpfVerdict v = checker.check(InetAddress.getByName((String) c.get("host")), String.valueOf(c.get("helo")), mailFrom);
                    Object expected = c.get("result");
                    List<?> accepted = expected instanceof List<?> l ? l : List.of(expected);
                    if (!accepted.contains(v.result().keyword())) {
                        failures.add(description + " / " + t.getKey() + ": expected " + accepted + ", got " + v.result().keyword() + " (" + v.reason() + ")");
                    }
                }
            }
        }
        assertTrue(cases > 150, "the suite has its cases: " + cases);
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases + " cases failed:\n" + String.join("\n", failures));
    }

    private static InputStream open(Path p) throws IOException {
        InputStream raw = Files.newInputStream(p);
        return p.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
    }

    private static void load(LoopbackDnsServer server, Map<String, List<Object>> zone) throws IOException {
        for (Map.Entry<String, List<Object>> e : zone.entrySet()) {
            String name = e.getKey();
            boolean hasTxt = false;
            boolean realTxt = false;
            boolean timeout = false;
            List<Object> spf = new ArrayList<>();
            for (Object record : e.getValue()) {
                if (record instanceof String marker) {
                    switch (marker) {
                        case "TIMEOUT" -> timeout = true;
                        case "SERVFAIL" -> server.servfail(name);
                        default -> throw new IllegalArgumentException("unknown zone marker " + marker);
                    }
                    continue;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> r = (Map<String, Object>) record;
                for (Map.Entry<String, Object> kv : r.entrySet()) {
                    Object v = kv.getValue();
                    switch (kv.getKey()) {
                        case "A" -> {
                            for (Object ip : list(v)) {
                                server.a(name, (String) ip);
                            }
                        }
                        case "AAAA" -> {
                            for (Object ip : list(v)) {
                                server.aaaa(name, (String) ip);
                            }
                        }
                        case "MX" -> server.mx(name, ((Number) ((List<?>) v).get(0)).intValue(), (String) ((List<?>) v).get(1));
                        case "TXT" -> {
                            hasTxt = true;
                            if (!"NONE".equals(v)) {
                                realTxt = true;
                                server.txtBytes(name, octets(v));
                            }
                        }
                        case "SPF" -> spf.add(v);
                        case "PTR" -> server.ptr(addressOf(name), (String) v);
                        case "CNAME" -> server.cname(name, (String) v);
                        default -> throw new IllegalArgumentException("unknown record type " + kv.getKey());
                    }
                }
            }
            // TIMEOUT is about the record type the zone lacks: the TXT question times out only without a TXT record
            if (timeout && !realTxt) {
                server.silent(name);
            }
            if (!hasTxt) {
                for (Object v : spf) {
                    if (!"NONE".equals(v)) {
                        server.txtBytes(name, octets(v));
                    }
                }
            }
        }
    }

    private static List<?> list(Object v) {
        return v instanceof List<?> l ? l : List.of(v);
    }

    /** A record's character-strings; the suite writes raw octets as \xNN, which YAML reads as chars up to 0xff. */
    private static byte[][] octets(Object v) {
        List<?> strings = list(v);
        byte[][] out = new byte[strings.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = String.valueOf(strings.get(i)).getBytes(StandardCharsets.ISO_8859_1);
        }
        return out;
    }

    /** 4.3.2.1.in-addr.arpa → 1.2.3.4; 32 nibbles under ip6.arpa → the IPv6 address. */
    private static String addressOf(String reverse) {
        String r = reverse.toLowerCase();
        if (r.endsWith(".in-addr.arpa")) {
            String[] p = r.substring(0, r.length() - ".in-addr.arpa".length()).split("\\.");
            return p[3] + "." + p[2] + "." + p[1] + "." + p[0];
        }
        String[] n = r.substring(0, r.length() - ".ip6.arpa".length()).split("\\.");
        StringBuilder sb = new StringBuilder();
        for (int i = n.length - 1; i >= 0; i--) {
            sb.append(n[i]);
            if (i % 4 == 0 && i > 0) {
                sb.append(':');
            }
        }
        return sb.toString();
    }
}
