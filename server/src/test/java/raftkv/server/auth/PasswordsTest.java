package raftkv.server.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordsTest {

    private final Passwords passwords = new Passwords(4);

    @Test
    void aHashMatchesItsPasswordOnly() {
        String h = passwords.hash("s3cret");
        assertTrue(h.startsWith("$2a$04$"), h);
        assertTrue(passwords.matches("alice", "s3cret", h));
        assertTrue(passwords.matches("alice", "s3cret", h), "again, remembered");
        assertFalse(passwords.matches("alice", "s3creT", h));
        assertFalse(passwords.matches("alice", "", h));
        assertFalse(passwords.matches("bob", "wrong", h));
        assertTrue(passwords.matches("bob", "s3cret", h), "the hash decides, not the user");
    }

    @Test
    void hashesAreSalted() {
        assertNotEquals(passwords.hash("same"), passwords.hash("same"));
    }

    @Test
    void noPasswordMatchesAnEmptyOrDamagedHash() {
        assertFalse(passwords.matches("alice", "", ""));
        assertFalse(passwords.matches("alice", "x", null));
        assertFalse(passwords.matches("alice", "x", "not a bcrypt hash"));
        String h = passwords.hash("x");
        assertFalse(passwords.matches("alice", "x", h.substring(0, h.length() - 5)));
    }

    @Test
    void aRememberedPasswordFailsOnceTheHashChanges() {
        String old = passwords.hash("old");
        assertTrue(passwords.matches("alice", "old", old));
        String changed = passwords.hash("new");
        assertFalse(passwords.matches("alice", "old", changed));
        assertTrue(passwords.matches("alice", "new", changed));
        assertFalse(passwords.matches("alice", "old", changed), "the new password is remembered now, not the old");
        // A remembered password of one user is not another user's.
        assertTrue(passwords.matches("bob", "old", old));
        assertFalse(passwords.matches("carol", "new", old));
    }

    @Test
    void aPasswordOverSeventyOneBytesNeverMatches() {
        String max = "p".repeat(Passwords.MAX_PASSWORD_BYTES);
        String h = passwords.hash(max);
        assertTrue(passwords.matches("alice", max, h));
        // bcrypt reads at most 72 bytes: a longer password sharing the prefix would pass if it were cut.
        assertFalse(passwords.matches("alice", max + "p", h));
        assertFalse(passwords.matches("alice", max + "extra bytes beyond what bcrypt reads", h));
        assertFalse(passwords.matches("bob", max + "x", h), "nor once the shorter one is remembered");
        // Multi-byte characters count as bytes.
        String wide = "é".repeat(36);
        assertFalse(passwords.matches("alice", wide, h));
    }

    @Test
    void tokenKeysAreRandom() {
        assertNotEquals(java.util.HexFormat.of().formatHex(passwords.newTokenKey()),
                java.util.HexFormat.of().formatHex(passwords.newTokenKey()));
        assertTrue(passwords.newTokenKey().length == 32);
    }
}
