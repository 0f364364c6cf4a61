package io.mailserver.admin;

import io.mailserver.mailauth.dkim.DkimAlgorithm;
import io.mailserver.mailauth.dkim.DkimKeys;
import io.mailserver.store.DkimKey;
import java.security.KeyPair;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Makes new DKIM key pairs with their selectors. Selectors default to the month and the algorithm's letter
 * ({@code 202612r} for RSA, {@code 202612e} for Ed25519), so a record in DNS says when its key was made;
 * a second key of the same month gets {@code 202612r2}, and so on.
 */
final class DkimKeyMaker {
    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyyMM").withZone(ZoneOffset.UTC);

    private DkimKeyMaker() {
    }

    /** The algorithms of {@code rsa}, {@code ed25519} or {@code both}. */
    static List<DkimAlgorithm> algorithms(String choice) {
        return switch (choice) {
            case "rsa" -> List.of(DkimAlgorithm.RSA_SHA256);
            case "ed25519" -> List.of(DkimAlgorithm.ED25519_SHA256);
            case "both" -> List.of(DkimAlgorithm.RSA_SHA256, DkimAlgorithm.ED25519_SHA256);
            default -> throw CliException.usage("unknown algorithm \"" + Table.clean(choice) + "\": rsa, ed25519 or both");
        };
    }

    /**
     * New keys, one per algorithm. {@code selector}, when given, is used as it is for one algorithm and with
     * the letter appended ({@code r}, {@code e}) for both.
     */
    static List<DkimKey.New> make(List<DkimAlgorithm> algorithms, String selector, Collection<String> taken, Instant now) {
        List<DkimKey.New> out = new ArrayList<>();
        Set<String> used = new java.util.HashSet<>(taken);
        for (DkimAlgorithm a : algorithms) {
            String name;
            if (selector != null) {
                name = algorithms.size() == 1 ? selector : selector + letter(a);
            } else {
                String base = MONTH.format(now) + letter(a);
                name = base;
                for (int n = 2; used.contains(name); n++) {
                    name = base + n;
                }
            }
            used.add(name);
            KeyPair pair = DkimKeys.generate(a);
            out.add(new DkimKey.New(name, a.keyType(), pair.getPrivate().getEncoded(), DkimKeys.publicKeyRecordBytes(a, pair.getPublic())));
        }
        return out;
    }

    private static String letter(DkimAlgorithm a) {
        return a == DkimAlgorithm.RSA_SHA256 ? "r" : "e";
    }

    /** The TXT record a key needs at {@code selector._domainkey.domain}. */
    static String record(DkimKey key) {
        DkimAlgorithm a = DkimAlgorithm.ofKeyType(key.algorithm()).orElseThrow();
        return DkimKeys.keyRecord(a, key.publicKey());
    }
}
