package raftkv.storage.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import raftkv.storage.Bytes;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyRange;
import raftkv.storage.StorageException;

/**
 * {@link AuthState#check} against a brute-force model: a request is permitted iff every key it addresses lies in a
 * permitted range of a type that allows the need.
 *
 * <p>Why brute force over a finite set of keys decides an infinite key space: whether a key is permitted only
 * changes at the bounds of the permitted intervals, so the key space cut at every bound (of the permissions and of
 * the request) falls into pieces that are each wholly permitted or not, and each piece starts with one of the
 * bounds. Checking every bound that lies in the request therefore checks every piece. A single key {@code k} is the
 * interval {@code [k, k\0)}, so its successor {@code k\0} is a bound too; the universe holds all of them.
 */
class AuthStateTest {

    private static final byte[] ALPHABET = {0x00, 'a', 'b', (byte) 0xFF};
    private static final List<byte[]> SHORT_KEYS = keysUpTo(3);
    private static final List<String> USERS = List.of("u0", "u1", "u2", "u3");
    private static final List<String> ROLES = List.of("r0", "r1", "r2", "r3");

    private static List<byte[]> keysUpTo(int maxLength) {
        List<byte[]> keys = new ArrayList<>();
        keys.add(new byte[0]);
        for (int len = 1; len <= maxLength; len++) {
            int n = (int) Math.pow(ALPHABET.length, len);
            for (int i = 0; i < n; i++) {
                byte[] k = new byte[len];
                for (int j = 0, x = i; j < len; j++, x /= ALPHABET.length) {
                    k[j] = ALPHABET[x % ALPHABET.length];
                }
                keys.add(k);
            }
        }
        return keys;
    }

    // ---------------------------------------------------------------------------------------------- the model

    /** Whether {@code k} lies in {@code r}, by etcd's conventions, written out independently of KeyRange. */
    private static boolean inRange(KeyRange r, byte[] k) {
        if (r.end() == null) {
            return Arrays.equals(r.key(), k);
        }
        if (Arrays.compareUnsigned(k, r.key()) < 0) {
            return false;
        }
        boolean unbounded = r.end().length == 1 && r.end()[0] == 0;
        return unbounded || Arrays.compareUnsigned(k, r.end()) < 0;
    }

    private static boolean isEmpty(KeyRange r) {
        boolean unbounded = r.end() != null && r.end().length == 1 && r.end()[0] == 0;
        return r.end() != null && !unbounded && Arrays.compareUnsigned(r.key(), r.end()) >= 0;
    }

    private static byte[] successor(byte[] k) {
        return Arrays.copyOf(k, k.length + 1);
    }

    /** The bounds of a range that a model over a finite universe needs to hold. */
    private static void addBounds(TreeSet<byte[]> universe, KeyRange r) {
        universe.add(r.key());
        universe.add(successor(r.key()));
        if (r.end() != null) {
            universe.add(r.end());
            universe.add(successor(r.end()));
        }
    }

    /** A user's granted permissions, as the model sees them: every permission of every role it holds. */
    private record ModelUser(boolean root, List<Permission> permissions) {
    }

    private static boolean modelPermits(ModelUser u, Permission.Type need, KeyRange request, TreeSet<byte[]> universe) {
        if (u.root()) {
            return true;
        }
        // An empty range addresses no key; it is checked as its start key alone (the documented choice).
        KeyRange addressed = isEmpty(request) ? KeyRange.single(request.key()) : request;
        for (byte[] k : universe) {
            if (!inRange(addressed, k)) {
                continue;
            }
            boolean covered = false;
            for (Permission p : u.permissions()) {
                if ((p.type() == Permission.Type.READWRITE || p.type() == need) && inRange(p.range(), k)) {
                    covered = true;
                    break;
                }
            }
            if (!covered) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------- generators

    private static byte[] shortKey(Random rnd) {
        return SHORT_KEYS.get(rnd.nextInt(SHORT_KEYS.size())).clone();
    }

    /** A key a little beyond the alphabet's short keys: longer, or with bytes prefixes and ends produce. */
    private static byte[] anyKey(Random rnd) {
        if (rnd.nextInt(8) == 0) {
            byte[] k = new byte[4];
            for (int i = 0; i < k.length; i++) {
                k[i] = ALPHABET[rnd.nextInt(ALPHABET.length)];
            }
            return k;
        }
        if (rnd.nextInt(10) == 0) {
            return new byte[] {(byte) (rnd.nextBoolean() ? 0x01 : 'c')};
        }
        return shortKey(rnd);
    }

    private static KeyRange anyRange(Random rnd) {
        byte[] key = anyKey(rnd);
        return switch (rnd.nextInt(6)) {
            case 0 -> KeyRange.single(key);
            case 1 -> KeyRange.prefix(key);
            case 2 -> new KeyRange(key, new byte[] {0});
            case 3 -> {
                // Often an empty or inverted range.
                yield new KeyRange(key, anyKey(rnd));
            }
            default -> {
                byte[] a = anyKey(rnd);
                byte[] b = anyKey(rnd);
                yield Arrays.compareUnsigned(a, b) <= 0 ? new KeyRange(a, b) : new KeyRange(b, a);
            }
        };
    }

    private static Permission anyPermission(Random rnd) {
        return new Permission(Permission.Type.values()[rnd.nextInt(3)], anyRange(rnd));
    }

    /** A random scenario: an enabled state built by commands, and the model of each user. */
    private record Scenario(AuthState state, List<ModelUser> models, TreeSet<byte[]> universe, String story) {
    }

    private static Scenario scenario(Random rnd) {
        StringBuilder story = new StringBuilder();
        TreeSet<byte[]> universe = new TreeSet<>(Bytes.ORDER);
        universe.addAll(SHORT_KEYS);
        for (byte[] k : new ArrayList<>(universe)) {
            universe.add(successor(k));
        }
        AuthState s = AuthState.INITIAL;
        s = s.apply(new AuthCommand.UserAdd(AuthState.ROOT, ""));
        s = s.apply(new AuthCommand.RoleAdd(AuthState.ROOT));
        s = s.apply(new AuthCommand.UserGrantRole(AuthState.ROOT, AuthState.ROOT));
        List<List<Permission>> rolePerms = new ArrayList<>();
        for (String role : ROLES) {
            s = s.apply(new AuthCommand.RoleAdd(role));
            List<Permission> perms = new ArrayList<>();
            for (int i = rnd.nextInt(5); i > 0; i--) {
                Permission p = anyPermission(rnd);
                s = s.apply(new AuthCommand.RoleGrantPermission(role, p));
                // Granting a range again replaces its type.
                perms.removeIf(q -> q.range().equals(p.range()));
                perms.add(p);
                addBounds(universe, p.range());
            }
            rolePerms.add(perms);
            story.append(role).append(perms).append('\n');
        }
        List<ModelUser> models = new ArrayList<>();
        for (String user : USERS) {
            s = s.apply(new AuthCommand.UserAdd(user, ""));
            List<Permission> perms = new ArrayList<>();
            boolean root = rnd.nextInt(10) == 0;
            if (root) {
                s = s.apply(new AuthCommand.UserGrantRole(user, AuthState.ROOT));
            }
            List<String> held = new ArrayList<>();
            for (int i = 0; i < ROLES.size(); i++) {
                if (rnd.nextInt(3) == 0) {
                    s = s.apply(new AuthCommand.UserGrantRole(user, ROLES.get(i)));
                    perms.addAll(rolePerms.get(i));
                    held.add(ROLES.get(i));
                }
            }
            models.add(new ModelUser(root, perms));
            story.append(user).append(root ? " (root) " : " ").append(held).append('\n');
        }
        s = s.apply(new AuthCommand.Enable(new byte[] {1, 2, 3}));
        return new Scenario(s, models, universe, story.toString());
    }

    // ---------------------------------------------------------------------------------------------- tests

    @Test
    void checkAgreesWithABruteForceModel() {
        long seed = Long.getLong("seed", 20261202L);
        Random rnd = new Random(seed);
        int denied = 0;
        int permitted = 0;
        for (int round = 0; round < 150; round++) {
            Scenario sc = scenario(rnd);
            for (int i = 0; i < 60; i++) {
                int u = rnd.nextInt(USERS.size());
                Permission.Type need = rnd.nextBoolean() ? Permission.Type.READ : Permission.Type.WRITE;
                KeyRange request = anyRange(rnd);
                TreeSet<byte[]> universe = new TreeSet<>(sc.universe());
                addBounds(universe, request);
                boolean expected = modelPermits(sc.models().get(u), need, request, universe);
                boolean actual;
                try {
                    sc.state().check(USERS.get(u), need, request);
                    actual = true;
                } catch (StorageException e) {
                    assertEquals(ErrorCode.PERMISSION_DENIED, e.code(), "seed " + seed);
                    actual = false;
                }
                if (expected != actual) {
                    fail("seed " + seed + " (rerun with -Dseed=" + seed + "): " + USERS.get(u) + " needs " + need
                            + " over " + request + " " + hex(request) + ": model says "
                            + (expected ? "permitted" : "denied") + ", check says " + (actual ? "permitted" : "denied")
                            + "\n" + sc.story());
                }
                if (actual) {
                    permitted++;
                } else {
                    denied++;
                }
            }
        }
        // The generator must exercise both outcomes, or the agreement above proves little.
        if (permitted < 500 || denied < 500) {
            fail("seed " + seed + ": unbalanced scenarios, " + permitted + " permitted and " + denied + " denied");
        }
    }

    @Test
    void permissionsThatMeetTogetherCoverARangeAcrossTheirBoundary() {
        AuthState s = enabledWith("alice", new Permission(Permission.Type.READ, new KeyRange(b("a"), b("c"))),
                new Permission(Permission.Type.READWRITE, new KeyRange(b("c"), b("e"))));
        s.check("alice", Permission.Type.READ, new KeyRange(b("b"), b("d")));
        s.check("alice", Permission.Type.READ, new KeyRange(b("a"), b("e")));
        assertDenied(() -> s.check("alice", Permission.Type.READ, new KeyRange(b("a"), b("e\0"))));
        assertDenied(() -> s.check("alice", Permission.Type.WRITE, new KeyRange(b("b"), b("d"))));
        s.check("alice", Permission.Type.WRITE, new KeyRange(b("c"), b("e")));
    }

    @Test
    void aSingleKeyPermissionDoesNotCoverItsSuccessor() {
        AuthState s = enabledWith("alice", new Permission(Permission.Type.READ, KeyRange.single(b("k"))));
        s.check("alice", Permission.Type.READ, KeyRange.single(b("k")));
        s.check("alice", Permission.Type.READ, new KeyRange(b("k"), b("k\0")));
        assertDenied(() -> s.check("alice", Permission.Type.READ, KeyRange.single(b("k\0"))));
        assertDenied(() -> s.check("alice", Permission.Type.READ, KeyRange.prefix(b("k"))));
    }

    @Test
    void aFromKeyPermissionCoversEverythingAfterItsKey() {
        AuthState s = enabledWith("alice", new Permission(Permission.Type.WRITE, new KeyRange(b("m"), new byte[] {0})));
        s.check("alice", Permission.Type.WRITE, new KeyRange(b("m"), new byte[] {0}));
        s.check("alice", Permission.Type.WRITE, KeyRange.prefix(new byte[] {(byte) 0xFF, (byte) 0xFF}));
        assertDenied(() -> s.check("alice", Permission.Type.WRITE, new KeyRange(b("l"), new byte[] {0})));
        assertDenied(() -> s.check("alice", Permission.Type.READ, KeyRange.single(b("m"))));
    }

    @Test
    void authDisabledLetsEverythingThrough() {
        AuthState s = AuthState.INITIAL.apply(new AuthCommand.UserAdd("alice", ""));
        KeyRange all = new KeyRange(new byte[0], new byte[] {0});
        s.check(null, Permission.Type.WRITE, all);
        s.check("", Permission.Type.READ, all);
        s.check("nobody", Permission.Type.WRITE, all);
        s.check("alice", Permission.Type.WRITE, all);
        s.checkRoot(null);
        s.checkRoot("alice");
        s.checkAuthenticated(null);
    }

    @Test
    void withAuthOnANullOrEmptyUserIsRefusedAsEmpty() {
        AuthState s = enabledWith("alice", new Permission(Permission.Type.READWRITE,
                new KeyRange(new byte[0], new byte[] {0})));
        for (String user : new String[] {null, ""}) {
            assertCode(ErrorCode.USER_EMPTY, () -> s.check(user, Permission.Type.READ, KeyRange.single(b("a"))));
            assertCode(ErrorCode.USER_EMPTY, () -> s.checkRoot(user));
            assertCode(ErrorCode.USER_EMPTY, () -> s.checkAuthenticated(user));
        }
    }

    @Test
    void withAuthOnAnUnknownUserIsDenied() {
        AuthState s = enabledWith("alice", new Permission(Permission.Type.READWRITE,
                new KeyRange(new byte[0], new byte[] {0})));
        assertDenied(() -> s.check("mallory", Permission.Type.READ, KeyRange.single(b("a"))));
        assertDenied(() -> s.checkRoot("mallory"));
        assertDenied(() -> s.checkAuthenticated("mallory"));
        s.checkAuthenticated("alice");
        assertDenied(() -> s.checkRoot("alice"));
    }

    @Test
    void rootPassesEverythingWithoutAnyPermission() {
        AuthState s = enabledWith("alice");
        assertEquals(true, s.isRoot(AuthState.ROOT));
        for (Permission.Type need : Permission.Type.values()) {
            s.check(AuthState.ROOT, need, new KeyRange(new byte[0], new byte[] {0}));
            s.check(AuthState.ROOT, need, KeyRange.single(new byte[] {(byte) 0xFF}));
        }
        s.checkRoot(AuthState.ROOT);
        assertDenied(() -> s.check("alice", Permission.Type.READ, KeyRange.single(b("a"))));
    }

    @Test
    void aUserWhoseRoleIsDeletedLosesItsPermissions() {
        AuthState s = enabledWith("alice", new Permission(Permission.Type.READ, KeyRange.prefix(b("a"))));
        s.check("alice", Permission.Type.READ, KeyRange.single(b("ab")));
        AuthState after = s.apply(new AuthCommand.RoleDelete("role"));
        assertDenied(() -> after.check("alice", Permission.Type.READ, KeyRange.single(b("ab"))));
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** An enabled state with root, and {@code user} holding one role, "role", with {@code perms}. */
    static AuthState enabledWith(String user, Permission... perms) {
        AuthState s = AuthState.INITIAL
                .apply(new AuthCommand.UserAdd(AuthState.ROOT, ""))
                .apply(new AuthCommand.RoleAdd(AuthState.ROOT))
                .apply(new AuthCommand.UserGrantRole(AuthState.ROOT, AuthState.ROOT))
                .apply(new AuthCommand.UserAdd(user, ""))
                .apply(new AuthCommand.RoleAdd("role"))
                .apply(new AuthCommand.UserGrantRole(user, "role"));
        for (Permission p : perms) {
            s = s.apply(new AuthCommand.RoleGrantPermission("role", p));
        }
        return s.apply(new AuthCommand.Enable(new byte[] {7}));
    }

    private static void assertDenied(Runnable r) {
        assertCode(ErrorCode.PERMISSION_DENIED, r);
    }

    private static void assertCode(ErrorCode code, Runnable r) {
        StorageException e = assertThrows(StorageException.class, r::run);
        assertEquals(code, e.code());
    }

    private static String hex(KeyRange r) {
        HexFormat h = HexFormat.of();
        return "(" + h.formatHex(r.key()) + ", " + (r.end() == null ? "null" : h.formatHex(r.end())) + ")";
    }

    private static byte[] b(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
