package io.mailserver.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    @Test
    void productionHashIsSelfDescribingSaltedAndSlow() {
        PasswordHasher hasher = new PasswordHasher();
        String hash = hasher.hash("hunter2".toCharArray());
        String[] parts = hash.split("\\$");
        assertEquals("pbkdf2-sha256", parts[0]);
        assertTrue(Integer.parseInt(parts[1]) >= 310_000, hash);
        assertEquals(16, Base64.getDecoder().decode(parts[2]).length);
        assertEquals(32, Base64.getDecoder().decode(parts[3]).length);
        assertFalse(hash.contains("hunter2"));
        assertTrue(hasher.verify("hunter2".toCharArray(), hash));
        assertFalse(hasher.verify("hunter3".toCharArray(), hash));
    }

    @Test
    void samePasswordTwiceGivesDifferentHashes() {
        PasswordHasher hasher = new PasswordHasher(1000);
        assertNotEquals(hasher.hash("pw".toCharArray()), hasher.hash("pw".toCharArray()));
    }

    @Test
    void verifyUsesTheStoredIterationCount() {
        String cheap = new PasswordHasher(1000).hash("pw".toCharArray());
        PasswordHasher production = new PasswordHasher();
        assertTrue(production.verify("pw".toCharArray(), cheap));
        assertTrue(production.needsRehash(cheap));
        assertFalse(new PasswordHasher(1000).needsRehash(cheap));
    }

    @Test
    void nonAsciiPasswordsWork() {
        PasswordHasher hasher = new PasswordHasher(1000);
        String hash = hasher.hash("pässwörd€".toCharArray());
        assertTrue(hasher.verify("pässwörd€".toCharArray(), hash));
        assertFalse(hasher.verify("passwörd€".toCharArray(), hash));
        assertTrue(hasher.verify(PasswordHasher.utf8ToChars("pässwörd€".getBytes(java.nio.charset.StandardCharsets.UTF_8)), hash));
    }

    @Test
    void malformedStoredValuesNeverMatch() {
        PasswordHasher hasher = new PasswordHasher(1000);
        for (String bad : new String[] {null, "", "pw", "plain$1000$x$y", "pbkdf2-sha256$abc$AAAA$AAAA", "pbkdf2-sha256$1000$!!$AAAA",
                "pbkdf2-sha256$0$AAAA$AAAA", "pbkdf2-sha256$1000$AAAA$"}) {
            assertFalse(hasher.verify("pw".toCharArray(), bad), String.valueOf(bad));
        }
    }
}
