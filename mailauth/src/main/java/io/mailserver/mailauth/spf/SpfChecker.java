package io.mailserver.mailauth.spf;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SPF (RFC 7208): check_host() for the MAIL FROM identity, or the HELO identity when MAIL FROM is empty
 * (RFC 7208 2.4). Every mechanism, the redirect and exp modifiers, macros (section 7), and the limits of
 * section 4.6.4: 10 DNS-querying terms, 2 void lookups, 10 names per MX or PTR. The whole record is
 * parsed before any term is evaluated, so a syntax error anywhere is a permerror (4.6).
 *
 * <p>Blocking (DNS): run it off the I/O threads. Thread-safe; each check has its own counters.
 */
public final class SpfChecker {
    static final int MAX_DNS_TERMS = 10;
    static final int MAX_VOID_LOOKUPS = 2;
    static final int MAX_NAMES = 10;
    /** RFC 7208 4.6.4: an overall limit on the check's DNS time, "at least 20 seconds". */
    static final java.time.Duration TIME_LIMIT = java.time.Duration.ofSeconds(20);

    private final SpfDns dns;
    private final String receiver;
    private final Clock clock;

    /** @param receiver this server's host name, the {@code %{r}} macro of explanations */
    public SpfChecker(SpfDns dns, String receiver, Clock clock) {
        this.dns = dns;
        this.receiver = receiver;
        this.clock = clock;
    }

    /**
     * @param mailFrom the MAIL FROM address without brackets; empty or null for the null reverse path
     * @param helo the HELO/EHLO argument (may be an address literal or null)
     */
    public SpfVerdict check(InetAddress client, String helo, String mailFrom) {
        String heloName = helo == null ? "" : helo;
        String sender;
        String identity;
        if (mailFrom == null || mailFrom.isEmpty()) {
            identity = "helo";
            sender = "postmaster@" + heloName;
        } else {
            identity = "mailfrom";
            int at = mailFrom.lastIndexOf('@');
            // RFC 7208 4.3: a sender without a local part is postmaster@domain
            sender = at <= 0 ? "postmaster@" + mailFrom.substring(at + 1) : mailFrom;
        }
        String domain = sender.substring(sender.lastIndexOf('@') + 1);
        Evaluation e = new Evaluation(unmapped(client), sender, heloName);
        SpfResult result;
        String reason;
        try {
            result = e.checkHost(domain, true, false);
            reason = e.reason;
        } catch (SpfException failure) {
            result = failure.result;
            reason = failure.getMessage();
        }
        return new SpfVerdict(result, identity, domain, sender, reason, result == SpfResult.FAIL ? e.explanation : null);
    }

    /** An IPv4-mapped IPv6 client is the IPv4 client it maps (RFC 7208 5: checked as IPv4). */
    private static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException impossible) {
                    throw new IllegalStateException(impossible);
                }
            }
        }
        return a;
    }

    /** A result that ends the evaluation at once: permerror or temperror. */
    static final class SpfException extends Exception {
        private static final long serialVersionUID = 1L;
        final SpfResult result;

        SpfException(SpfResult result, String message) {
            super(message, null, false, false);
            this.result = result;
        }
    }

    static SpfException permerror(String why) {
        return new SpfException(SpfResult.PERMERROR, why);
    }

    static SpfException temperror(String why) {
        return new SpfException(SpfResult.TEMPERROR, why);
    }

    // ---- record syntax (RFC 7208 4.5, 4.6, 5, 6)

    enum Kind { ALL, INCLUDE, A, MX, PTR, IP4, IP6, EXISTS }

    /** One parsed mechanism; {@code domainSpec} is null where the mechanism's own domain applies. */
    record Mechanism(char qualifier, Kind kind, String domainSpec, InetAddress network, int cidr4, int cidr6, String text) {
    }

    record Policy(List<Mechanism> mechanisms, String redirect, String exp) {
    }

    private static final Pattern MODIFIER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9\\-_.]*");
    private static final Pattern DUAL_CIDR = Pattern.compile("^(.*?)(?:/(0|[1-9][0-9]{0,2}))?(?://(0|[1-9][0-9]{0,2}))?$", Pattern.DOTALL);
    private static final Pattern IP4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IP6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /** Parses a whole {@code v=spf1} record; any syntax error anywhere is a permerror (RFC 7208 4.6). */
    static Policy parse(String record) throws SpfException {
        for (int i = 0; i < record.length(); i++) {
            char c = record.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw permerror("record has a character outside printable ASCII (0x" + Integer.toHexString(c) + ")");
            }
        }
        List<Mechanism> mechanisms = new ArrayList<>();
        String redirect = null;
        String exp = null;
        String[] terms = record.substring(6).split(" +");
        for (String term : terms) {
            if (term.isEmpty()) {
                continue;
            }
            int special = firstOf(term, "=:/");
            if (special >= 0 && term.charAt(special) == '=') {
                String name = term.substring(0, special);
                String value = term.substring(special + 1);
                if (!MODIFIER_NAME.matcher(name).matches()) {
                    throw permerror("bad modifier name in '" + term + "'");
                }
                checkMacroString(value, false);
                switch (name.toLowerCase(Locale.ROOT)) {
                    case "redirect" -> {
                        if (redirect != null) {
                            throw permerror("two redirect modifiers");
                        }
                        checkDomainSpec(value);
                        redirect = value;
                    }
                    case "exp" -> {
                        if (exp != null) {
                            throw permerror("two exp modifiers");
                        }
                        checkDomainSpec(value);
                        exp = value;
                    }
                    default -> { } // RFC 7208 6: unknown modifiers are ignored
                }
                continue;
            }
            mechanisms.add(mechanism(term));
        }
        return new Policy(mechanisms, redirect, exp);
    }

    private static Mechanism mechanism(String term) throws SpfException {
        char qualifier = '+';
        String t = term;
        if ("+-~?".indexOf(t.charAt(0)) >= 0) {
            qualifier = t.charAt(0);
            t = t.substring(1);
        }
        int end = firstOf(t, ":/");
        String name = (end < 0 ? t : t.substring(0, end)).toLowerCase(Locale.ROOT);
        String rest = end < 0 ? "" : t.substring(end);
        switch (name) {
            case "all" -> {
                if (!rest.isEmpty()) {
                    throw permerror("'all' takes no argument: " + term);
                }
                return new Mechanism(qualifier, Kind.ALL, null, null, 32, 128, term);
            }
            case "include", "exists" -> {
                if (!rest.startsWith(":") || rest.length() == 1) {
                    throw permerror(name + " needs a domain: " + term);
                }
                String spec = rest.substring(1);
                checkDomainSpec(spec);
                return new Mechanism(qualifier, name.equals("include") ? Kind.INCLUDE : Kind.EXISTS, spec, null, 32, 128, term);
            }
            case "a", "mx" -> {
                Matcher m = DUAL_CIDR.matcher(rest);
                if (!m.matches()) {
                    throw permerror("bad mechanism: " + term);
                }
                String spec = m.group(1);
                if (spec.isEmpty()) {
                    spec = null;
                } else if (!spec.startsWith(":") || spec.length() == 1) {
                    throw permerror("bad mechanism: " + term);
                } else {
                    spec = spec.substring(1);
                    checkDomainSpec(spec);
                }
                int v4 = cidr(m.group(2), 32, term);
                int v6 = cidr(m.group(3), 128, term);
                return new Mechanism(qualifier, name.equals("a") ? Kind.A : Kind.MX, spec, null, v4, v6, term);
            }
            case "ptr" -> {
                String spec = null;
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":") || rest.length() == 1) {
                        throw permerror("bad mechanism: " + term);
                    }
                    spec = rest.substring(1);
                    checkDomainSpec(spec);
                }
                return new Mechanism(qualifier, Kind.PTR, spec, null, 32, 128, term);
            }
            case "ip4", "ip6" -> {
                if (!rest.startsWith(":")) {
                    throw permerror(name + " needs a network: " + term);
                }
                String net = rest.substring(1);
                int slash = net.indexOf('/');
                String address = slash < 0 ? net : net.substring(0, slash);
                boolean v4 = name.equals("ip4");
                int max = v4 ? 32 : 128;
                int bits = slash < 0 ? max : cidr(net.substring(slash + 1).matches("0|[1-9][0-9]{0,2}") ? net.substring(slash + 1) : "x", max, term);
                if (v4 ? !IP4.matcher(address).matches() : !IP6.matcher(address).matches()) {
                    throw permerror("bad network: " + term);
                }
                InetAddress network;
                try {
                    network = InetAddress.getByName(address); // a literal: never a DNS query
                } catch (UnknownHostException e) {
                    throw permerror("bad network: " + term);
                }
                if (!v4 && network instanceof Inet4Address) {
                    network = mapped(network); // Java reads ::ffff:a.b.c.d as IPv4; as an ip6 network it is IPv6
                } else if (v4 != (network instanceof Inet4Address)) {
                    throw permerror("bad network: " + term);
                }
                return new Mechanism(qualifier, v4 ? Kind.IP4 : Kind.IP6, null, network, v4 ? bits : 32, v4 ? 128 : bits, term);
            }
            default -> throw permerror("unknown mechanism '" + name + "'");
        }
    }

    private static InetAddress mapped(InetAddress v4) throws SpfException {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4.getAddress(), 0, b, 12, 4);
        try {
            return Inet6Address.getByAddress(null, b, -1);
        } catch (UnknownHostException e) {
            throw permerror("bad network " + v4);
        }
    }

    private static int cidr(String digits, int max, String term) throws SpfException {
        if (digits == null) {
            return max;
        }
        if (!digits.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(digits) > max) {
            throw permerror("bad CIDR length in " + term);
        }
        return Integer.parseInt(digits);
    }

    private static int firstOf(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** RFC 7208 7.1: domain-spec = macro-string domain-end; domain-end = "." toplabel ["."] / macro-expand. */
    static void checkDomainSpec(String spec) throws SpfException {
        checkMacroString(spec, false);
        if (endsWithMacro(spec)) {
            return;
        }
        String s = spec.endsWith(".") ? spec.substring(0, spec.length() - 1) : spec;
        int dot = s.lastIndexOf('.');
        if (dot < 0 || !isTopLabel(s.substring(dot + 1))) {
            throw permerror("domain '" + spec + "' does not end in a top-level label or a macro");
        }
    }

    /** True if the string ends in a complete {@code %{...}} expansion (not a literal "}"). */
    private static boolean endsWithMacro(String spec) {
        int i = 0;
        boolean lastWasMacro = false;
        while (i < spec.length()) {
            if (spec.charAt(i) == '%' && i + 1 < spec.length() && spec.charAt(i + 1) == '{') {
                i = spec.indexOf('}', i) + 1;
                lastWasMacro = true;
            } else if (spec.charAt(i) == '%') {
                i += 2;
                lastWasMacro = true; // %%, %_ and %- are macro-expands too (RFC 7208 7.1)
            } else {
                i++;
                lastWasMacro = false;
            }
        }
        return lastWasMacro;
    }

    private static boolean isTopLabel(String label) {
        if (label.isEmpty() || !label.matches("[A-Za-z0-9-]+") || label.startsWith("-") || label.endsWith("-")) {
            return false;
        }
        return label.matches(".*[A-Za-z].*") || label.contains("-");
    }

    private static final Pattern MACRO = Pattern.compile("%\\{([A-Za-z])([0-9]*)(r?)([.\\-+,/_=]*)}", Pattern.CASE_INSENSITIVE);

    /** RFC 7208 7.1 macro-string syntax; {@code explanation} allows the c, r and t letters. */
    static void checkMacroString(String s, boolean explanation) throws SpfException {
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '%') {
                if (c < 0x21 && !explanation || c > 0x7e) {
                    throw permerror("bad character in '" + s + "'");
                }
                i++;
                continue;
            }
            if (i + 1 >= s.length()) {
                throw permerror("'%' at the end of '" + s + "'");
            }
            char n = s.charAt(i + 1);
            if (n == '%' || n == '_' || n == '-') {
                i += 2;
                continue;
            }
            if (n != '{') {
                throw permerror("bad macro in '" + s + "'");
            }
            Matcher m = MACRO.matcher(s);
            if (!m.find(i) || m.start() != i) {
                throw permerror("bad macro in '" + s + "'");
            }
            String letter = m.group(1).toLowerCase(Locale.ROOT);
            if (!"slodiphv".contains(letter) && !(explanation && "crt".contains(letter))) {
                throw permerror("macro letter '" + letter + "' not allowed in '" + s + "'");
            }
            if (!m.group(2).isEmpty() && m.group(2).matches("0+")) {
                throw permerror("macro keeps zero parts in '" + s + "'");
            }
            i = m.end();
        }
    }

    // ---- evaluation

    /** One check_host() run with its counters (RFC 7208 4.6.4). */
    private final class Evaluation {
        final InetAddress ip;
        final String sender;
        final String localPart;
        final String senderDomain;
        final String helo;
        final long deadline = System.nanoTime() + TIME_LIMIT.toNanos();
        int dnsTerms;
        int voidLookups;
        String reason = "";
        String explanation;
        private String validatedName;

        Evaluation(InetAddress ip, String sender, String helo) {
            this.ip = ip;
            this.sender = sender;
            int at = sender.lastIndexOf('@');
            this.localPart = sender.substring(0, at);
            this.senderDomain = sender.substring(at + 1);
            this.helo = helo;
        }

        SpfResult checkHost(String domain, boolean wantExplanation, boolean countVoidAnswer) throws SpfException {
            String d = stripDot(domain);
            if (!isQueryableDomain(d)) {
                reason = "'" + domain + "' is not a domain name";
                return SpfResult.NONE; // RFC 7208 4.3
            }
            SpfDns.Answer<String> txt = dns.txt(d);
            if (txt.isTemporaryFailure()) {
                throw temperror("DNS error looking up " + d + ": " + txt.detail());
            }
            if (countVoidAnswer && txt.isVoid()) {
                countVoid(d);
            }
            List<String> spf = new ArrayList<>();
            for (String r : txt.values()) {
                if (r.regionMatches(true, 0, "v=spf1", 0, 6) && (r.length() == 6 || r.charAt(6) == ' ')) {
                    spf.add(r);
                }
            }
            if (spf.isEmpty()) {
                reason = "no SPF record for " + d;
                return SpfResult.NONE;
            }
            if (spf.size() > 1) {
                throw permerror(d + " has more than one SPF record"); // RFC 7208 4.5
            }
            Policy policy;
            try {
                policy = parse(spf.get(0));
            } catch (SpfException e) {
                throw permerror(d + ": " + e.getMessage());
            }
            boolean hasAll = false;
            for (Mechanism m : policy.mechanisms()) {
                hasAll |= m.kind() == Kind.ALL;
                if (matches(m, d)) {
                    SpfResult r = switch (m.qualifier()) {
                        case '-' -> SpfResult.FAIL;
                        case '~' -> SpfResult.SOFTFAIL;
                        case '?' -> SpfResult.NEUTRAL;
                        default -> SpfResult.PASS;
                    };
                    reason = d + ": matched '" + m.text() + "'";
                    if (r == SpfResult.FAIL && wantExplanation && policy.exp() != null) {
                        explanation = explain(policy.exp(), d);
                    }
                    return r;
                }
            }
            // RFC 7208 6.1: redirect applies only when no mechanism matched and the record has no "all"
            if (policy.redirect() != null && !hasAll) {
                countDnsTerm();
                String target = stripDot(truncate(expand(policy.redirect(), d, false)));
                if (!isQueryableDomain(target)) {
                    throw permerror(d + ": redirect to '" + target + "', not a domain name");
                }
                SpfResult r = checkHostCounted(target, wantExplanation);
                if (r == SpfResult.NONE) {
                    throw permerror(d + ": redirect to " + target + ", which has no SPF record");
                }
                return r;
            }
            reason = d + ": no mechanism matched";
            return SpfResult.NEUTRAL; // RFC 7208 4.7
        }

        /** check_host() of an include or redirect target: there a void TXT answer counts toward the limit. */
        private SpfResult checkHostCounted(String target, boolean wantExplanation) throws SpfException {
            return checkHost(target, wantExplanation, true);
        }

        private boolean matches(Mechanism m, String domain) throws SpfException {
            switch (m.kind()) {
                case ALL -> {
                    return true;
                }
                case IP4, IP6 -> {
                    return inNetwork(ip, m.network(), m.kind() == Kind.IP4 ? m.cidr4() : m.cidr6());
                }
                case INCLUDE -> {
                    countDnsTerm();
                    String target = stripDot(truncate(expand(m.domainSpec(), domain, false)));
                    String saved = reason;
                    SpfResult r = checkHostCounted(target, false);
                    reason = saved;
                    return switch (r) {
                        case PASS -> true;
                        case FAIL, SOFTFAIL, NEUTRAL -> false;
                        case TEMPERROR -> throw temperror("include:" + target + " gave temperror");
                        case PERMERROR, NONE -> throw permerror("include:" + target + " gave " + r.keyword()); // RFC 7208 5.2
                    };
                }
                case A -> {
                    countDnsTerm();
                    String target = target(m, domain);
                    return anyInNetwork(addresses(target, true), m);
                }
                case MX -> {
                    countDnsTerm();
                    String target = target(m, domain);
                    SpfDns.Answer<String> mx = dns.mx(target);
                    if (mx.isTemporaryFailure()) {
                        throw temperror("DNS error: " + mx.detail());
                    }
                    if (mx.isVoid()) {
                        countVoid(target);
                        return false;
                    }
                    if (mx.values().size() > MAX_NAMES) {
                        throw permerror(target + " has more than " + MAX_NAMES + " MX records"); // RFC 7208 4.6.4
                    }
                    for (String exchange : mx.values()) {
                        if (!exchange.isEmpty() && anyInNetwork(addresses(exchange, false), m)) {
                            return true;
                        }
                    }
                    return false;
                }
                case PTR -> {
                    countDnsTerm();
                    String target = target(m, domain).toLowerCase(Locale.ROOT);
                    for (String name : validatedNames()) {
                        if (name.equals(target) || name.endsWith("." + target)) {
                            return true;
                        }
                    }
                    return false;
                }
                case EXISTS -> {
                    countDnsTerm();
                    String target = stripDot(truncate(expand(m.domainSpec(), domain, false)));
                    SpfDns.Answer<InetAddress> a = dns.a(target); // RFC 7208 5.7: always an A query
                    if (a.isTemporaryFailure()) {
                        throw temperror("DNS error: " + a.detail());
                    }
                    if (a.isVoid()) {
                        countVoid(target);
                        return false;
                    }
                    return true;
                }
                default -> throw new IllegalStateException(m.kind().name());
            }
        }

        private String target(Mechanism m, String domain) throws SpfException {
            return m.domainSpec() == null ? domain : stripDot(truncate(expand(m.domainSpec(), domain, false)));
        }

        /** The A or AAAA records (by the client's family) of a name; a void answer counts when {@code counted}. */
        private List<InetAddress> addresses(String name, boolean counted) throws SpfException {
            checkTime();
            SpfDns.Answer<InetAddress> answer = ip instanceof Inet4Address ? dns.a(name) : dns.aaaa(name);
            if (answer.isTemporaryFailure()) {
                throw temperror("DNS error: " + answer.detail());
            }
            if (answer.isVoid() && counted) {
                countVoid(name);
            }
            return answer.values();
        }

        private boolean anyInNetwork(List<InetAddress> addresses, Mechanism m) {
            for (InetAddress a : addresses) {
                if (inNetwork(ip, a, ip instanceof Inet4Address ? m.cidr4() : m.cidr6())) {
                    return true;
                }
            }
            return false;
        }

        /**
         * RFC 7208 5.5: the PTR names of the client whose own addresses include it, at most 10 names
         * looked at; a DNS error on the PTR query means no match, on a name's query that name is skipped.
         */
        private List<String> validatedNames() {
            List<String> out = new ArrayList<>();
            SpfDns.Answer<String> ptr = dns.ptr(ip);
            List<String> names = ptr.values();
            for (int i = 0; i < names.size() && i < MAX_NAMES; i++) {
                String name = names.get(i);
                SpfDns.Answer<InetAddress> back = ip instanceof Inet4Address ? dns.a(name) : dns.aaaa(name);
                if (back.values().contains(ip)) {
                    out.add(name);
                }
            }
            return out;
        }

        /** Before each DNS query: the whole check may take at most {@link #TIME_LIMIT}. */
        private void checkTime() throws SpfException {
            if (System.nanoTime() - deadline > 0) {
                throw temperror("SPF evaluation took longer than " + TIME_LIMIT.toSeconds() + " s of DNS time");
            }
        }

        private void countDnsTerm() throws SpfException {
            checkTime();
            if (++dnsTerms > MAX_DNS_TERMS) {
                throw permerror("more than " + MAX_DNS_TERMS + " DNS-querying terms (RFC 7208 4.6.4)");
            }
        }

        private void countVoid(String name) throws SpfException {
            if (++voidLookups > MAX_VOID_LOOKUPS) {
                throw permerror("more than " + MAX_VOID_LOOKUPS + " void lookups, the last for " + name + " (RFC 7208 4.6.4)");
            }
        }

        /** RFC 7208 6.2: the explanation text; any problem on the way means no explanation. */
        private String explain(String expSpec, String domain) {
            try {
                String target = stripDot(truncate(expand(expSpec, domain, false)));
                SpfDns.Answer<String> txt = dns.txt(target);
                if (txt.values().size() != 1) {
                    return null;
                }
                String text = txt.values().get(0);
                checkMacroString(text, true);
                return expand(text, domain, true);
            } catch (SpfException e) {
                return null;
            }
        }

        /** RFC 7208 7.3: expands the macros of a domain-spec (or of an explanation). */
        String expand(String s, String domain, boolean explanation) throws SpfException {
            StringBuilder out = new StringBuilder();
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c != '%') {
                    out.append(c);
                    i++;
                    continue;
                }
                char n = s.charAt(i + 1);
                if (n == '%') {
                    out.append('%');
                    i += 2;
                    continue;
                }
                if (n == '_') {
                    out.append(' ');
                    i += 2;
                    continue;
                }
                if (n == '-') {
                    out.append("%20");
                    i += 2;
                    continue;
                }
                Matcher m = MACRO.matcher(s);
                if (!m.find(i) || m.start() != i) {
                    throw permerror("bad macro in '" + s + "'");
                }
                char letter = m.group(1).charAt(0);
                String value = macroValue(Character.toLowerCase(letter), domain, explanation);
                String transformed = transform(value, m.group(2), !m.group(3).isEmpty(), m.group(4));
                out.append(Character.isUpperCase(letter) ? urlEscape(transformed) : transformed);
                i = m.end();
            }
            return out.toString();
        }

        private String macroValue(char letter, String domain, boolean explanation) throws SpfException {
            return switch (letter) {
                case 's' -> sender;
                case 'l' -> localPart;
                case 'o' -> senderDomain;
                case 'd' -> domain;
                case 'i' -> dotted(ip);
                case 'p' -> validatedName(domain);
                case 'v' -> ip instanceof Inet4Address ? "in-addr" : "ip6";
                case 'h' -> helo;
                case 'c' -> explanation ? ip.getHostAddress() : bad(letter);
                case 'r' -> explanation ? receiver : bad(letter);
                case 't' -> explanation ? Long.toString(clock.instant().getEpochSecond()) : bad(letter);
                default -> bad(letter);
            };
        }

        private String bad(char letter) throws SpfException {
            throw permerror("macro letter '" + letter + "' not allowed here");
        }

        /** RFC 7208 7.3 (p): a validated name of the client, preferring the domain or a subdomain of it. */
        private String validatedName(String domain) {
            if (validatedName == null) {
                List<String> names = validatedNames();
                validatedName = "unknown";
                for (String name : names) {
                    if (name.equals(domain) || name.endsWith("." + domain)) {
                        validatedName = name;
                        break;
                    }
                }
                if (validatedName.equals("unknown") && !names.isEmpty()) {
                    validatedName = names.get(0);
                }
            }
            return validatedName;
        }
    }

    /** Splits on the delimiters, optionally reverses, keeps the rightmost {@code digits} parts, joins with dots. */
    static String transform(String value, String digits, boolean reverse, String delimiters) {
        if (digits.isEmpty() && !reverse && delimiters.isEmpty()) {
            return value;
        }
        String delims = delimiters.isEmpty() ? "." : delimiters;
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= value.length(); i++) {
            if (i == value.length() || delims.indexOf(value.charAt(i)) >= 0) {
                parts.add(value.substring(start, i));
                start = i + 1;
            }
        }
        if (reverse) {
            java.util.Collections.reverse(parts);
        }
        if (!digits.isEmpty()) {
            // more than 128 parts cannot occur in a domain name: a huge number keeps everything
            int keep = digits.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(digits);
            if (keep < parts.size()) {
                parts = parts.subList(parts.size() - keep, parts.size());
            }
        }
        return String.join(".", parts);
    }

    /** RFC 7208 7.3: upper-case macro letters URL-escape everything outside RFC 3986's unreserved set. */
    static String urlEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (Character.isLetterOrDigit(c) && c < 0x80 || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    /** RFC 7208 7.3 (i): dotted-quad for IPv4, dot-separated nibbles for IPv6. */
    static String dotted(InetAddress ip) {
        if (ip instanceof Inet4Address) {
            return ip.getHostAddress();
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : ip.getAddress()) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append('.').append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }

    /** RFC 7208 7.3: an expanded name over 253 characters loses labels on the left until it fits. */
    static String truncate(String name) {
        String n = name;
        while (n.length() > 253 && n.indexOf('.') >= 0) {
            n = n.substring(n.indexOf('.') + 1);
        }
        return n;
    }

    private static String stripDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /** RFC 7208 4.3: a fully qualified name whose labels are 1 to 63 octets; anything else gives none. */
    static boolean isQueryableDomain(String d) {
        if (d.isEmpty() || d.length() > 253 || d.indexOf('.') < 0) {
            return false;
        }
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return false;
            }
        }
        return !d.startsWith("[");
    }

    static boolean inNetwork(InetAddress ip, InetAddress network, int bits) {
        byte[] a = ip.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != n[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (n[full] & mask);
    }
}
