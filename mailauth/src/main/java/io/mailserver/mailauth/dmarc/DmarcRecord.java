package io.mailserver.mailauth.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A parsed DMARC policy record (RFC 7489 6.3, 6.4): {@code v=DMARC1; p=reject; sp=...; adkim=r|s;
 * aspf=r|s; pct=0..100; rua=...}. Tags this server does not act on (ruf, fo, rf, ri) are read and
 * ignored; unknown tags are ignored; an invalid value of an optional tag falls back to its default
 * (RFC 7489 6.3: "syntax errors in the remainder of the record SHOULD be discarded in favor of
 * default values").
 *
 * @param subdomainPolicy {@code sp=}, or {@code p=} when absent
 */
public record DmarcRecord(Policy policy, Policy subdomainPolicy, boolean strictDkim, boolean strictSpf, int percent, List<String> rua) {
    public enum Policy {
        NONE, QUARANTINE, REJECT;

        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Policy> parse(String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "none" -> Optional.of(NONE);
                case "quarantine" -> Optional.of(QUARANTINE);
                case "reject" -> Optional.of(REJECT);
                default -> Optional.empty();
            };
        }
    }

    /** True if the TXT record claims to be a DMARC record (RFC 7489 6.6.3: "v=DMARC1" first). */
    static boolean looksLikeDmarc(String txt) {
        String t = txt.trim();
        int semi = t.indexOf(';');
        String first = (semi < 0 ? t : t.substring(0, semi)).replace(" ", "").replace("\t", "");
        return first.equals("v=DMARC1");
    }

    /**
     * @throws IllegalArgumentException with the reason when the record cannot be used: not v=DMARC1 first,
     *     or no valid p= and no rua= (RFC 7489 6.6.3)
     */
    public static DmarcRecord parse(String txt) {
        if (!looksLikeDmarc(txt)) {
            throw new IllegalArgumentException("does not start with v=DMARC1");
        }
        Policy p = null;
        boolean pPresent = false;
        Policy sp = null;
        boolean strictDkim = false;
        boolean strictSpf = false;
        int pct = 100;
        List<String> rua = new ArrayList<>();
        for (String tag : txt.split(";")) {
            int eq = tag.indexOf('=');
            if (eq < 0) {
                if (tag.isBlank()) {
                    continue;
                }
                throw new IllegalArgumentException("tag without '=': " + tag.trim());
            }
            String name = tag.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = tag.substring(eq + 1).trim();
            switch (name) {
                case "p" -> {
                    pPresent = true;
                    p = Policy.parse(value).orElse(null);
                }
                case "sp" -> sp = Policy.parse(value).orElse(null);
                case "adkim" -> strictDkim = value.equalsIgnoreCase("s");
                case "aspf" -> strictSpf = value.equalsIgnoreCase("s");
                case "pct" -> {
                    if (value.matches("[0-9]{1,3}") && Integer.parseInt(value) <= 100) {
                        pct = Integer.parseInt(value);
                    }
                }
                case "rua" -> {
                    for (String uri : value.split(",")) {
                        if (!uri.isBlank()) {
                            rua.add(uri.trim());
                        }
                    }
                }
                default -> { } // v, ruf, fo, rf, ri and tags of later versions
            }
        }
        if (p == null) {
            // RFC 7489 6.6.3: a record with rua but no valid p is treated as p=none; without either it is unusable
            if (rua.isEmpty()) {
                throw new IllegalArgumentException(pPresent ? "invalid p= value" : "no p= tag");
            }
            p = Policy.NONE;
        }
        return new DmarcRecord(p, sp == null ? p : sp, strictDkim, strictSpf, pct, rua);
    }
}
