package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.ConflictException;
import io.mailserver.store.DkimKey;
import io.mailserver.store.NotFoundException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** DKIM keys (migration V7): add, rotate, retire, and who sees private keys; on H2 and PostgreSQL. */
@Timeout(60)
abstract class DkimKeysContract extends StoreTestBase {
    private static DkimKey.New key(String selector, String algorithm) {
        return new DkimKey.New(selector, algorithm, ("private-" + selector).getBytes(), ("public-" + selector).getBytes());
    }

    @Test
    void keysAreAddedPerLocalDomainAndOnlySigningKeysCarryThePrivateKey() {
        store.domains().add("example.test");
        List<DkimKey> added = store.dkimKeys().add("Example.TEST", List.of(key("202612r", "rsa"), key("202612e", "ed25519")));
        assertEquals(2, added.size());
        assertEquals(List.of("202612r", "202612e"), store.dkimKeys().list("example.test").stream().map(DkimKey::selector).toList());
        DkimKey listed = store.dkimKeys().list().get(0);
        assertEquals(DkimKey.State.ACTIVE, listed.state());
        assertArrayEquals("public-202612r".getBytes(), listed.publicKey());
        List<DkimKey.Signing> signing = store.dkimKeys().signingKeys("example.test");
        assertEquals(2, signing.size());
        assertArrayEquals("private-202612r".getBytes(), signing.get(0).privateKeyPkcs8());
        assertTrue(store.dkimKeys().signingKeys("other.test").isEmpty());

        assertThrows(ConflictException.class, () -> store.dkimKeys().add("example.test", List.of(key("202612r", "rsa"))));
        assertThrows(NotFoundException.class, () -> store.dkimKeys().add("other.test", List.of(key("a", "rsa"))));
        assertThrows(IllegalArgumentException.class, () -> store.dkimKeys().add("example.test", List.of(key("Bad_Selector", "rsa"))));
    }

    @Test
    void rotationKeepsOldKeysPublishedButNotSigningAndRetireEndsThem() {
        store.domains().add("example.test");
        store.dkimKeys().add("example.test", List.of(key("old-r", "rsa"), key("old-e", "ed25519")));
        store.dkimKeys().rotate("example.test", List.of(key("new-r", "rsa"), key("new-e", "ed25519")));
        assertEquals(List.of("new-r", "new-e"), store.dkimKeys().signingKeys("example.test").stream().map(s -> s.key().selector()).toList());
        List<DkimKey> all = store.dkimKeys().list("example.test");
        assertEquals(4, all.size());
        assertEquals(2, all.stream().filter(k -> k.state() == DkimKey.State.ROTATED).count());
        assertTrue(all.stream().allMatch(k -> k.state().published()));

        DkimKey retired = store.dkimKeys().retire("example.test", "old-r");
        assertEquals(DkimKey.State.RETIRED, retired.state());
        assertThrows(NotFoundException.class, () -> store.dkimKeys().retire("example.test", "nope"));
        store.dkimKeys().retire("example.test", "new-e");
        assertEquals(List.of("new-r"), store.dkimKeys().signingKeys("example.test").stream().map(s -> s.key().selector()).toList());
    }

    @Test
    void keysGoWithTheirDomain() {
        store.domains().add("example.test");
        store.dkimKeys().add("example.test", List.of(key("s1", "rsa")));
        store.domains().remove("example.test", false);
        assertTrue(store.dkimKeys().list().isEmpty());
    }
}
