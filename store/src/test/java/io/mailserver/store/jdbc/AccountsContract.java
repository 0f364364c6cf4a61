package io.mailserver.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mailserver.store.Alias;
import io.mailserver.store.ConflictException;
import io.mailserver.store.Domain;
import io.mailserver.store.NotFoundException;
import io.mailserver.store.Resolution;
import io.mailserver.store.User;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Domains, users, aliases and the directory; run on H2 and PostgreSQL by the subclasses. */
@Timeout(60)
abstract class AccountsContract extends StoreTestBase {

    @Test
    void domainsAreNormalisedUniqueAndListed() {
        Domain d = store.domains().add("Example.TEST.");
        assertEquals("example.test", d.name());
        store.domains().add("b.example");
        assertThrows(ConflictException.class, () -> store.domains().add("EXAMPLE.test"));
        assertThrows(IllegalArgumentException.class, () -> store.domains().add("bad_domain!"));
        assertThrows(IllegalArgumentException.class, () -> store.domains().add("[127.0.0.1]"));
        assertEquals(List.of("b.example", "example.test"), store.domains().list().stream().map(Domain::name).toList());
        assertTrue(store.domains().isLocal("EXAMPLE.test."));
        assertTrue(store.directory().isLocalDomain("example.TEST"));
        assertFalse(store.directory().isLocalDomain("other.test"));
        assertEquals(d.id(), store.domains().find("example.test").orElseThrow().id());
    }

    @Test
    void domainRemovalRefusesWhileInUseUnlessForced() {
        User alice = user("alice@example.test");
        store.aliases().add(addr("team@example.test"), List.of(addr("alice@example.test")));
        deliver("s@remote.example", "Subject: x\r\n\r\nhi\r\n", List.of(alice.id()), List.of());
        assertThrows(NotFoundException.class, () -> store.domains().remove("nope.test", false));
        ConflictException e = assertThrows(ConflictException.class, () -> store.domains().remove("example.test", false));
        assertTrue(e.getMessage().contains("1 user(s) and 1 alias(es)"), e.getMessage());
        store.domains().remove("example.test", true);
        assertTrue(store.domains().find("example.test").isEmpty());
        assertEquals(0, count("SELECT COUNT(*) FROM users"));
        assertEquals(0, count("SELECT COUNT(*) FROM aliases"));
        assertEquals(0, count("SELECT COUNT(*) FROM messages"));
    }

    @Test
    void userAddStoresASaltedHashNotThePassword() {
        store.domains().add("example.test");
        String password = "correct horse battery staple";
        User alice = store.users().add(addr("Alice@Example.TEST"), " Alice ", password.toCharArray());
        assertEquals("alice@example.test", alice.address());
        assertEquals("Alice", alice.displayName());
        assertTrue(alice.enabled());
        String hash = string("SELECT password_hash FROM users WHERE id = ?", alice.id());
        assertFalse(hash.contains(password), hash);
        assertTrue(hash.startsWith("pbkdf2-sha256$"), hash);
        store.users().add(addr("bob@example.test"), "Bob", password.toCharArray());
        String other = string("SELECT password_hash FROM users WHERE address = 'bob@example.test'");
        assertFalse(hash.equals(other), "same password, different salt, different hash");
    }

    @Test
    void userAddRefusesUnknownDomainDuplicateAndAlias() {
        user("alice@example.test");
        assertThrows(NotFoundException.class, () -> store.users().add(addr("x@other.test"), null, "p".toCharArray()));
        assertThrows(ConflictException.class, () -> store.users().add(addr("ALICE@example.test."), null, "p".toCharArray()));
        store.aliases().add(addr("team@example.test"), List.of(addr("alice@example.test")));
        assertThrows(ConflictException.class, () -> store.users().add(addr("team@example.test"), null, "p".toCharArray()));
    }

    @Test
    void authenticateAcceptsOnlyTheRightPasswordOfAnEnabledUser() {
        store.domains().add("example.test");
        User alice = store.users().add(addr("alice@example.test"), "Alice", "s3cret".toCharArray());
        assertEquals(Optional.of(alice.id()), store.users().authenticate(addr("ALICE@example.test"), "s3cret".toCharArray()).map(User::id));
        assertTrue(store.users().authenticate(addr("alice@example.test"), "S3cret".toCharArray()).isEmpty());
        assertTrue(store.users().authenticate(addr("alice@example.test"), "".toCharArray()).isEmpty());
        assertTrue(store.users().authenticate(addr("nobody@example.test"), "s3cret".toCharArray()).isEmpty());

        store.users().setPassword(addr("alice@example.test"), "n3w".toCharArray());
        assertTrue(store.users().authenticate(addr("alice@example.test"), "s3cret".toCharArray()).isEmpty());
        assertTrue(store.users().authenticate(addr("alice@example.test"), "n3w".toCharArray()).isPresent());

        store.users().setEnabled(addr("alice@example.test"), false);
        assertFalse(store.users().find(addr("alice@example.test")).orElseThrow().enabled());
        assertTrue(store.users().authenticate(addr("alice@example.test"), "n3w".toCharArray()).isEmpty());
        store.users().setEnabled(addr("alice@example.test"), true);
        assertTrue(store.users().authenticate(addr("alice@example.test"), "n3w".toCharArray()).isPresent());

        assertThrows(NotFoundException.class, () -> store.users().setPassword(addr("x@example.test"), "a".toCharArray()));
        assertThrows(NotFoundException.class, () -> store.users().setEnabled(addr("x@example.test"), false));
    }

    @Test
    void usersAreListedByDomainInAddressOrder() {
        user("carol@b.example");
        user("bob@a.example");
        user("alice@a.example");
        assertEquals(List.of("alice@a.example", "bob@a.example", "carol@b.example"),
                store.users().list(Optional.empty()).stream().map(User::address).toList());
        assertEquals(List.of("alice@a.example", "bob@a.example"),
                store.users().list(Optional.of("A.example")).stream().map(User::address).toList());
        assertThrows(NotFoundException.class, () -> store.users().list(Optional.of("c.example")));
        User alice = store.users().find(addr("alice@a.example")).orElseThrow();
        assertEquals(alice, store.users().findById(alice.id()).orElseThrow());
    }

    @Test
    void userRemovalDeletesMailMembershipsAndEmptiedAliases() {
        User alice = user("alice@example.test");
        User bob = user("bob@example.test");
        store.aliases().add(addr("solo@example.test"), List.of(addr("alice@example.test")));
        store.aliases().add(addr("team@example.test"), List.of(addr("alice@example.test"), addr("bob@example.test")));
        long shared = deliver("s@remote.example", "shared\r\n", List.of(alice.id(), bob.id()), List.of());
        deliver("s@remote.example", "only alice\r\n", List.of(alice.id()), List.of());

        store.users().remove(addr("alice@example.test"));

        assertTrue(store.users().find(addr("alice@example.test")).isEmpty());
        assertTrue(store.aliases().find(addr("solo@example.test")).isEmpty(), "alias left without targets is removed");
        assertEquals(List.of("bob@example.test"), store.aliases().find(addr("team@example.test")).orElseThrow().targets());
        assertEquals(1, count("SELECT COUNT(*) FROM messages"), "only the message bob still has remains");
        assertEquals(1, count("SELECT COUNT(*) FROM messages WHERE id = ?", shared));
        assertThrows(NotFoundException.class, () -> store.users().remove(addr("alice@example.test")));
    }

    @Test
    void aliasesAreCreatedExtendedListedAndRemoved() {
        user("alice@example.test");
        user("bob@example.test");
        Alias team = store.aliases().add(addr("Team@Example.test"), List.of(addr("alice@example.test")));
        assertEquals(new Alias("team@example.test", List.of("alice@example.test")), team);
        team = store.aliases().add(addr("team@example.test"), List.of(addr("bob@example.test"), addr("ALICE@example.test"), addr("Ext@Remote.example")));
        assertEquals(List.of("alice@example.test", "bob@example.test", "Ext@Remote.example"), team.targets());
        store.aliases().add(addr("all@example.test"), List.of(addr("team@example.test")));
        assertEquals(List.of("all@example.test", "team@example.test"),
                store.aliases().list(Optional.of("example.test")).stream().map(Alias::address).toList());

        store.aliases().remove(addr("team@example.test"), List.of(addr("bob@example.test")));
        assertEquals(List.of("alice@example.test", "Ext@Remote.example"), store.aliases().find(addr("team@example.test")).orElseThrow().targets());
        assertThrows(NotFoundException.class, () -> store.aliases().remove(addr("team@example.test"), List.of(addr("bob@example.test"))));

        store.aliases().remove(addr("team@example.test"), List.of());
        assertTrue(store.aliases().find(addr("team@example.test")).isEmpty());
        assertTrue(store.aliases().find(addr("all@example.test")).isEmpty(), "all pointed only at team");
        assertThrows(NotFoundException.class, () -> store.aliases().remove(addr("team@example.test"), List.of()));
    }

    @Test
    void aliasAddRefusesUserAddressForeignDomainAndUnknownLocalTarget() {
        user("alice@example.test");
        assertThrows(ConflictException.class, () -> store.aliases().add(addr("alice@example.test"), List.of(addr("x@remote.example"))));
        assertThrows(NotFoundException.class, () -> store.aliases().add(addr("team@other.test"), List.of(addr("alice@example.test"))));
        assertThrows(NotFoundException.class, () -> store.aliases().add(addr("team@example.test"), List.of(addr("ghost@example.test"))));
        assertTrue(store.aliases().find(addr("team@example.test")).isEmpty());
    }

    @Test
    void aliasLoopsAreRefusedNamingTheCycle() {
        user("alice@example.test");
        store.aliases().add(addr("a@example.test"), List.of(addr("alice@example.test")));
        store.aliases().add(addr("b@example.test"), List.of(addr("a@example.test")));
        store.aliases().add(addr("c@example.test"), List.of(addr("b@example.test")));
        ConflictException e = assertThrows(ConflictException.class,
                () -> store.aliases().add(addr("a@example.test"), List.of(addr("c@example.test"))));
        assertEquals("alias loop: a@example.test -> c@example.test -> b@example.test -> a@example.test", e.getMessage());
        assertEquals(List.of("alice@example.test"), store.aliases().find(addr("a@example.test")).orElseThrow().targets(), "nothing changed");
        assertThrows(ConflictException.class, () -> store.aliases().add(addr("a@example.test"), List.of(addr("A@example.test"))));
    }

    @Test
    void resolveExpandsAliasesRecursivelyEachUserOnce() {
        User alice = user("alice@example.test");
        User bob = user("bob@example.test");
        store.users().setEnabled(addr("bob@example.test"), false);
        store.aliases().add(addr("sub@example.test"), List.of(addr("bob@example.test"), addr("alice@example.test"), addr("ext@remote.example")));
        store.aliases().add(addr("team@example.test"), List.of(addr("alice@example.test"), addr("sub@example.test"), addr("EXT@remote.example")));

        Resolution r = store.directory().resolve(addr("TEAM@example.test."));
        assertEquals(Resolution.Kind.ALIAS, r.kind());
        assertEquals(List.of(alice.id(), bob.id()), r.localUsers().stream().map(User::id).toList(), "disabled users still receive");
        assertEquals(List.of("EXT@remote.example"), r.remoteAddresses());

        assertEquals(Resolution.Kind.USER, store.directory().resolve(addr("Bob@Example.Test")).kind());
        assertEquals(Resolution.Kind.UNKNOWN_LOCAL, store.directory().resolve(addr("ghost@example.test")).kind());
        Resolution remote = store.directory().resolve(addr("x@remote.example"));
        assertEquals(Resolution.Kind.NOT_LOCAL, remote.kind());
        assertFalse(remote.deliverable());
        assertEquals(Resolution.Kind.NOT_LOCAL, store.directory().resolve(addr("x@[127.0.0.1]")).kind());
    }

    @Test
    void findUsersByLocalPartForVrfy() {
        user("alice@a.example");
        user("alice@b.example");
        user("bob@a.example");
        assertEquals(List.of("alice@a.example", "alice@b.example"),
                store.directory().findUsersByLocalPart("ALICE").stream().map(User::address).toList());
        assertEquals(List.of("bob@a.example"), store.directory().findUsersByLocalPart("bob@A.example").stream().map(User::address).toList());
        assertTrue(store.directory().findUsersByLocalPart("carol").isEmpty());
    }
}
