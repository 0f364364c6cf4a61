package io.mailserver.mailauth.dkim;

import io.mailserver.mailauth.dns.TxtAnswer;
import io.mailserver.mailauth.dns.TxtLookup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every DKIM-Signature field of a message (RFC 6376 6, RFC 8463, RFC 8301), the message streamed
 * through once: each signature's body hash is computed on the way, and keys are looked up at the end.
 * Never throws for anything in the message or in DNS: each signature gets a {@link DkimResult}.
 *
 * <ul>
 * <li>Both canonicalisations. {@code l=} is honoured as RFC 6376 says (only that many body octets are
 *     hashed); content after it is not covered, which the reason says ("l= covers 120 of 4000 octets").</li>
 * <li>RSA keys under 1024 bits and rsa-sha1 fail (RFC 8301).</li>
 * <li>A missing or unusable key record is permerror, a DNS failure temperror, a malformed signature field
 *     neutral (RFC 8601 2.7.1).</li>
 * <li>At most {@link #MAX_SIGNATURES} signatures are checked (each costs a DNS lookup); the rest are neutral.</li>
 * </ul>
 * Every verdict except pass is logged at INFO in one line (logger {@code io.mailserver.mailauth.dkim}).
 */
public final class DkimVerifier {
    static final int MAX_SIGNATURES = 10;
    private static final Logger LOG = LoggerFactory.getLogger("io.mailserver.mailauth.dkim");

    private final TxtLookup dns;
    private final Clock clock;

    public DkimVerifier(TxtLookup dns, Clock clock) {
        this.dns = dns;
        this.clock = clock;
    }

    /** A verification to write the message into; {@link Verification#results()} after the last octet. */
    public Verification start() {
        return new Verification(clock.instant());
    }

    public List<DkimResult> verify(InputStream message) throws IOException {
        Verification v = start();
        message.transferTo(v);
        return v.results();
    }

    public final class Verification extends OutputStream {
        private final Instant now;
        private final MessageParser parser;
        private final List<Check> checks = new ArrayList<>();
        private List<DkimResult> results;

        private Verification(Instant now) {
            this.now = now;
            this.parser = new MessageParser(this::headers);
        }

        @Override
        public void write(int b) {
            parser.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            parser.write(b, off, len);
        }

        /** The verdicts, one per DKIM-Signature field in message order; empty when there is none (dkim=none). */
        public List<DkimResult> results() {
            if (results == null) {
                parser.finish();
                results = new ArrayList<>(checks.size());
                for (Check c : checks) {
                    DkimResult r = c.finish();
                    if (r.result() != DkimResult.Result.PASS) {
                        LOG.info("{}", r);
                    }
                    results.add(r);
                }
            }
            return results;
        }

        private MessageParser.BodySink headers(List<HeaderField> fields) {
            for (HeaderField f : fields) {
                if (f.lowerName().equals("dkim-signature")) {
                    checks.add(new Check(f, fields, now, checks.size() >= MAX_SIGNATURES, parser.headerOverflow()));
                }
            }
            return (b, off, len) -> {
                for (Check c : checks) {
                    c.body(b, off, len);
                }
            };
        }
    }

    /** One signature on its way: parsed at the end of the headers, body hashed while it streams, judged at the end. */
    private final class Check {
        private final HeaderField field;
        private final List<HeaderField> fields;
        private ParsedSignature sig;
        /** The verdict when the signature cannot even be checked (found at the end of the headers). */
        private DkimResult early;
        private MessageDigest digest;
        private BodyCanonicalizer body;

        Check(HeaderField field, List<HeaderField> fields, Instant now, boolean overLimit, boolean headerOverflow) {
            this.field = field;
            this.fields = fields;
            if (overLimit) {
                early = result(DkimResult.Result.NEUTRAL, "more than " + MAX_SIGNATURES + " signatures: not checked");
                return;
            }
            if (headerOverflow) {
                early = result(DkimResult.Result.PERMERROR, "header section too large to check");
                return;
            }
            try {
                sig = ParsedSignature.parse(field, now);
                digest = MessageDigest.getInstance("SHA-256");
                body = sig.bodyCanon.body(digest, sig.bodyLength);
            } catch (DkimException e) {
                early = result(e.result, e.getMessage());
            } catch (NoSuchAlgorithmException | RuntimeException e) {
                early = result(DkimResult.Result.PERMERROR, "cannot check: " + e);
            }
        }

        void body(byte[] b, int off, int len) {
            if (body != null) {
                body.update(b, off, len);
            }
        }

        DkimResult finish() {
            if (early != null) {
                return early;
            }
            try {
                return judge();
            } catch (DkimException e) {
                return result(e.result, e.getMessage());
            } catch (RuntimeException | GeneralSecurityException e) {
                LOG.warn("DKIM d={} s={}: verification failed unexpectedly", sig.domain, sig.selector, e);
                return result(DkimResult.Result.PERMERROR, "cannot check: " + e.getClass().getSimpleName());
            }
        }

        private DkimResult judge() throws GeneralSecurityException {
            long hashed = body.finish();
            KeyRecord key = key();
            if (sig.algorithm == DkimAlgorithm.RSA_SHA256 && DkimKeys.rsaBits(key.key) < DkimKeys.MIN_RSA_BITS) {
                return result(DkimResult.Result.FAIL, "RSA key of " + DkimKeys.rsaBits(key.key) + " bits is too small (RFC 8301 3.2)");
            }
            if (key.strictIdentity && !sig.identity.substring(sig.identity.lastIndexOf('@') + 1).equalsIgnoreCase(sig.domain)) {
                return result(DkimResult.Result.PERMERROR, "key has t=s but i= is a subdomain of d=");
            }
            if (sig.bodyLength >= 0 && hashed < sig.bodyLength) {
                return result(DkimResult.Result.FAIL, "body shorter than l=" + sig.bodyLength);
            }
            if (!MessageDigest.isEqual(digest.digest(), sig.bodyHash)) {
                return result(DkimResult.Result.FAIL, "body hash did not verify");
            }
            byte[] data = HeaderHashing.data(fields, sig.signedNames, sig.headerCanon, HeaderHashing.withoutB(field.raw()));
            if (!HeaderHashing.verify(sig.algorithm, key.key, data, sig.signature)) {
                return result(DkimResult.Result.FAIL, "signature did not verify");
            }
            String reason = "good signature";
            if (sig.bodyLength >= 0 && body.total() > sig.bodyLength) {
                reason += "; l= covers " + sig.bodyLength + " of " + body.total() + " body octets";
            }
            return result(DkimResult.Result.PASS, key.testing ? reason + " (key in test mode)" : reason);
        }

        private KeyRecord key() {
            String name = sig.selector + "._domainkey." + sig.domain;
            TxtAnswer answer = dns.txt(name);
            switch (answer.outcome()) {
                case TEMPORARY_FAILURE -> throw new DkimException(DkimResult.Result.TEMPERROR, "key lookup failed: " + answer.detail());
                case NXDOMAIN, PERMANENT_FAILURE -> throw new DkimException(DkimResult.Result.PERMERROR, "no key: " + answer.detail());
                case FOUND -> { }
            }
            if (answer.records().isEmpty()) {
                throw new DkimException(DkimResult.Result.PERMERROR, "no key: " + name + " has no TXT record");
            }
            DkimException first = null;
            for (String txt : answer.records()) {
                try {
                    return KeyRecord.parse(txt, sig.algorithm);
                } catch (DkimException e) {
                    first = first == null ? e : first;
                }
            }
            throw first;
        }

        private DkimResult result(DkimResult.Result r, String reason) {
            String domain = sig != null ? sig.domain : bestEffort("d").toLowerCase(java.util.Locale.ROOT);
            String selector = sig != null ? sig.selector : bestEffort("s");
            String algorithm = sig != null ? sig.algorithm.tag() : bestEffort("a");
            String identity = sig != null ? sig.identity : (domain.isEmpty() ? "" : "@" + domain);
            String b = bestEffort("b").replaceAll("[ \t\r\n]", "");
            return new DkimResult(r, reason, domain, selector, algorithm, identity, b.substring(0, Math.min(12, b.length())));
        }

        /** A tag of a field that may not parse, for the result's d=/s=/a= (RFC 8601 wants them even on errors). */
        private String bestEffort(String tag) {
            for (String spec : field.value().split(";")) {
                int eq = spec.indexOf('=');
                if (eq > 0 && spec.substring(0, eq).strip().equals(tag)) {
                    return spec.substring(eq + 1).strip();
                }
            }
            return "";
        }
    }
}
