package raftkv.storage.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import raftkv.storage.KeyRange;

class AuthCodecTest {

    private static String name(Random rnd) {
        // Non-ASCII and empty names too: the codec must not care.
        String[] pool = {"root", "alice", "bob", "ünïcödé", "", "名前", "a b"};
        return pool[rnd.nextInt(pool.length)] + (rnd.nextBoolean() ? "" : Integer.toString(rnd.nextInt(100)));
    }

    private static byte[] bytes(Random rnd, int max) {
        byte[] b = new byte[rnd.nextInt(max + 1)];
        rnd.nextBytes(b);
        return b;
    }

    private static KeyRange range(Random rnd) {
        byte[] key = bytes(rnd, 6);
        return switch (rnd.nextInt(4)) {
            case 0 -> KeyRange.single(key);
            case 1 -> KeyRange.prefix(key);
            case 2 -> new KeyRange(key, new byte[] {0});
            default -> new KeyRange(key, bytes(rnd, 6));
        };
    }

    /** Any state the constructor can hold, not only those commands reach: the codec must keep them all. */
    static AuthState randomState(Random rnd) {
        TreeMap<String, User> users = new TreeMap<>();
        for (int i = rnd.nextInt(6); i > 0; i--) {
            String n = name(rnd);
            List<String> roles = new ArrayList<>();
            for (int j = rnd.nextInt(4); j > 0; j--) {
                roles.add(name(rnd));
            }
            users.put(n, new User(n, rnd.nextBoolean() ? "" : "$2a$10$" + name(rnd), roles, rnd.nextLong()));
        }
        TreeMap<String, Role> roles = new TreeMap<>();
        for (int i = rnd.nextInt(6); i > 0; i--) {
            String n = name(rnd);
            List<Permission> perms = new ArrayList<>();
            for (int j = rnd.nextInt(5); j > 0; j--) {
                perms.add(new Permission(Permission.Type.values()[rnd.nextInt(3)], range(rnd)));
            }
            roles.put(n, new Role(n, perms));
        }
        return new AuthState(rnd.nextBoolean(), rnd.nextLong(), bytes(rnd, 40), users, roles);
    }

    private static void assertSameState(AuthState expected, AuthState actual, String why) {
        assertEquals(expected.enabled(), actual.enabled(), why);
        assertEquals(expected.revision(), actual.revision(), why);
        assertArrayEquals(expected.tokenKey(), actual.tokenKey(), why);
        assertEquals(expected.users(), actual.users(), why);
        assertEquals(expected.roles(), actual.roles(), why);
    }

    @Test
    void randomStatesRoundTripExactly() {
        long seed = Long.getLong("seed", 31L);
        Random rnd = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            AuthState s = randomState(rnd);
            byte[] encoded = AuthCodec.encode(s);
            AuthState decoded = AuthCodec.decode(encoded);
            assertSameState(s, decoded, "seed " + seed + ", state " + i);
            assertArrayEquals(encoded, AuthCodec.encode(decoded), "seed " + seed + ": the encoding is deterministic");
            assertEquals(s.hash(), decoded.hash());
        }
    }

    @Test
    void statesBuiltByTheSameCommandsHashEqualAndAnyChangeMovesTheHash() {
        AuthState a = AuthStateTest.enabledWith("alice", new Permission(Permission.Type.READ, KeyRange.prefix(new byte[] {'x'})));
        AuthState b = AuthStateTest.enabledWith("alice", new Permission(Permission.Type.READ, KeyRange.prefix(new byte[] {'x'})));
        assertEquals(a.hash(), b.hash());
        assertNotEquals(a.hash(), AuthStateTest.enabledWith("alice",
                new Permission(Permission.Type.WRITE, KeyRange.prefix(new byte[] {'x'}))).hash());
        assertNotEquals(a.hash(), AuthStateTest.enabledWith("alicf",
                new Permission(Permission.Type.READ, KeyRange.prefix(new byte[] {'x'}))).hash());
        assertNotEquals(a.hash(), a.apply(new AuthCommand.Disable()).hash());
        assertNotEquals(a.hash(), AuthStateTest.enabledWith("alice",
                new Permission(Permission.Type.READ, KeyRange.prefix(new byte[] {'y'}))).hash());
    }

    @Test
    void aSingleKeyAndAnEmptyEndStayApartFromARange() {
        AuthState s = AuthStateTest.enabledWith("alice",
                new Permission(Permission.Type.READ, KeyRange.single(new byte[0])),
                new Permission(Permission.Type.WRITE, new KeyRange(new byte[0], new byte[] {0})),
                new Permission(Permission.Type.READWRITE, new KeyRange(new byte[] {5}, new byte[] {0, 0})));
        assertSameState(s, AuthCodec.decode(AuthCodec.encode(s)), "edge ranges");
    }

    @Test
    void noBytesAreTheInitialState() {
        assertSame(AuthState.INITIAL, AuthCodec.decode(new byte[0]));
        assertSame(AuthState.INITIAL, AuthCodec.decode(null));
        assertSameState(AuthState.INITIAL, AuthCodec.decode(AuthCodec.encode(AuthState.INITIAL)), "initial");
    }

    @Test
    void everyTruncationIsRefused() {
        Random rnd = new Random(5);
        for (int i = 0; i < 200; i++) {
            byte[] good = AuthCodec.encode(randomState(rnd));
            for (int len = 1; len < good.length; len++) {
                byte[] cut = Arrays.copyOf(good, len);
                assertThrows(IllegalStateException.class, () -> AuthCodec.decode(cut), "cut to " + len);
            }
        }
    }

    @Test
    void trailingBytesAndAnUnknownFormatAreRefused() {
        byte[] good = AuthCodec.encode(AuthStateTest.enabledWith("alice"));
        assertThrows(IllegalStateException.class, () -> AuthCodec.decode(Arrays.copyOf(good, good.length + 1)));
        byte[] format = good.clone();
        format[0] = 2;
        assertThrows(IllegalStateException.class, () -> AuthCodec.decode(format));
    }

    @Test
    void hugeCountsAndLengthsAreRefusedWithoutAllocating() {
        byte[] good = AuthCodec.encode(AuthState.INITIAL);
        // format(1) enabled(1) revision(8) tokenKeyLength(4) ...: the key's length, then the user count.
        for (int value : new int[] {Integer.MAX_VALUE, -1, Integer.MIN_VALUE, 1 << 24, (16 << 20) + 1}) {
            byte[] bigKey = good.clone();
            ByteBuffer.wrap(bigKey).putInt(10, value);
            assertThrows(IllegalStateException.class, () -> AuthCodec.decode(bigKey), "key length " + value);
            byte[] bigCount = good.clone();
            ByteBuffer.wrap(bigCount).putInt(14, value);
            assertThrows(IllegalStateException.class, () -> AuthCodec.decode(bigCount), "user count " + value);
        }
    }

    /** A flipped bit may still decode (a flipped name is another name), but nothing else than a refusal escapes. */
    @Test
    void bitFlipsDecodeOrAreRefusedAsIllegalState() {
        Random rnd = new Random(17);
        int refused = 0;
        for (int i = 0; i < 3_000; i++) {
            byte[] bad = AuthCodec.encode(randomState(rnd));
            for (int f = 1 + rnd.nextInt(3); f > 0; f--) {
                bad[rnd.nextInt(bad.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
            try {
                AuthCodec.decode(bad);
            } catch (IllegalStateException expected) {
                refused++;
            } catch (RuntimeException | OutOfMemoryError e) {
                fail("a damaged auth state escaped as " + e, e);
            }
        }
        if (refused == 0) {
            fail("no flip was refused: the test damages nothing that matters");
        }
    }
}
