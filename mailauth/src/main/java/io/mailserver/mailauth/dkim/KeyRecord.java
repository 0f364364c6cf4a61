package io.mailserver.mailauth.dkim;

import java.security.PublicKey;
import java.util.Arrays;
import java.util.Locale;

/** A parsed DKIM key record (RFC 6376 3.6.1) that fits the signature it is looked up for. */
final class KeyRecord {
    final PublicKey key;
    /** t=s: the i= domain must be d= itself, not a subdomain. */
    final boolean strictIdentity;
    final boolean testing;

    private KeyRecord(PublicKey key, boolean strictIdentity, boolean testing) {
        this.key = key;
        this.strictIdentity = strictIdentity;
        this.testing = testing;
    }

    /** @throws DkimException with the reason (permerror) when the record does not give a usable key */
    static KeyRecord parse(String txt, DkimAlgorithm algorithm) {
        try {
            return parseOrThrow(txt, algorithm);
        } catch (DkimException e) {
            // a key record that cannot be used is a permanent error, whatever the syntax fault (RFC 6376 6.1.2)
            throw e.result == DkimResult.Result.PERMERROR ? e : new DkimException(DkimResult.Result.PERMERROR, "key record: " + e.getMessage());
        }
    }

    private static KeyRecord parseOrThrow(String txt, DkimAlgorithm algorithm) {
        TagList tags = TagList.parse(txt);
        if (tags.has("v")) {
            // 3.6.1: if v= is present it must be the first tag and say DKIM1
            if (!"v".equals(tags.firstName()) || !"DKIM1".equals(tags.required("v"))) {
                throw new DkimException("key record v= is not DKIM1 first");
            }
        }
        String k = tags.get("k").orElse("rsa").toLowerCase(Locale.ROOT);
        if (!k.equals(algorithm.keyType())) {
            throw new DkimException("key record is k=" + k + " but the signature is " + algorithm.tag());
        }
        tags.get("h").ifPresent(h -> {
            if (Arrays.stream(h.split(":")).map(String::strip).noneMatch("sha256"::equalsIgnoreCase)) {
                throw new DkimException("key record h=" + h + " does not allow sha256");
            }
        });
        tags.get("s").ifPresent(s -> {
            if (Arrays.stream(s.split(":")).map(String::strip).noneMatch(t -> t.equals("*") || t.equalsIgnoreCase("email"))) {
                throw new DkimException("key record s=" + s + " is not for email");
            }
        });
        String p = tags.required("p");
        if (p.isBlank()) {
            throw new DkimException("key revoked (empty p=)");
        }
        PublicKey key = DkimKeys.publicKey(algorithm, TagList.base64(p, "p"));
        String flags = tags.get("t").orElse("");
        boolean strict = Arrays.stream(flags.split(":")).map(String::strip).anyMatch("s"::equals);
        boolean testing = Arrays.stream(flags.split(":")).map(String::strip).anyMatch("y"::equals);
        return new KeyRecord(key, strict, testing);
    }
}
