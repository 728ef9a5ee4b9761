package raftkv.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
    void aRememberedPasswordCostsNoBcryptRun() {
        String h = passwords.hash("s3cret");
        assertFalse(passwords.remembered("alice", "s3cret", h), "not before it matched once");
        long before = passwords.bcryptChecks();
        assertTrue(passwords.matches("alice", "s3cret", h));
        assertEquals(before + 1, passwords.bcryptChecks(), "the first check runs bcrypt");
        assertTrue(passwords.remembered("alice", "s3cret", h));
        for (int i = 0; i < 5; i++) {
            assertTrue(passwords.matches("alice", "s3cret", h));
        }
        assertEquals(before + 1, passwords.bcryptChecks(), "the next ones do not");
        assertFalse(passwords.matches("alice", "wrong", h));
        assertEquals(before + 2, passwords.bcryptChecks(), "a wrong password always does");
        assertFalse(passwords.remembered("alice", "wrong", h));
    }

    @Test
    void identicalChecksThatOverlapRunBcryptOnce() throws Exception {
        String h = passwords.hash("s3cret");
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            pool.execute(() -> {
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long before = passwords.bcryptChecks();
            List<java.util.concurrent.CompletableFuture<Boolean>> same = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                same.add(passwords.matchesOnce("alice", "s3cret", h, pool));
            }
            var wrong = passwords.matchesOnce("alice", "wrong", h, pool);
            hold.countDown();
            for (var f : same) {
                assertTrue(f.get(10, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertFalse(wrong.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(before + 2, passwords.bcryptChecks(), "one run for the 20 identical checks, one for the other");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFullPoolRefusesTheCheck() {
        String h = passwords.hash("s3cret");
        java.util.concurrent.Executor full = r -> {
            throw new java.util.concurrent.RejectedExecutionException("full");
        };
        var f = passwords.matchesOnce("alice", "s3cret", h, full);
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, f::get);
        assertTrue(e.getCause() instanceof java.util.concurrent.RejectedExecutionException, e.toString());
        // Refused, not remembered as running: the next check goes ahead.
        assertTrue(passwords.matchesOnce("alice", "s3cret", h, Runnable::run).join());
    }

    @Test
    void anUnknownUserCostsACheckToo() {
        long before = passwords.bcryptChecks();
        passwords.spendACheck("anything");
        passwords.spendACheck(null);
        assertTrue(passwords.bcryptChecks() >= before + 2);
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
