package raftkv.storage.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyRange;
import raftkv.storage.StorageException;

/** etcd's rules for changing users, roles and permissions, one rule a test. */
class AuthChangesTest {

    private static final byte[] KEY = {1, 2, 3};

    private static AuthState withRoot() {
        return AuthState.INITIAL
                .apply(new AuthCommand.UserAdd(AuthState.ROOT, "hash"))
                .apply(new AuthCommand.RoleAdd(AuthState.ROOT))
                .apply(new AuthCommand.UserGrantRole(AuthState.ROOT, AuthState.ROOT));
    }

    private static AuthState enabled() {
        return withRoot().apply(new AuthCommand.Enable(KEY));
    }

    private static StorageException refused(ErrorCode code, AuthState s, AuthCommand c) {
        long hashBefore = s.hash();
        long revisionBefore = s.revision();
        StorageException e = assertThrows(StorageException.class, () -> s.apply(c));
        assertEquals(code, e.code(), c.toString());
        assertEquals(revisionBefore, s.revision(), "a refusal changes nothing");
        assertEquals(hashBefore, s.hash(), "a refusal changes nothing");
        return e;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void enablingNeedsTheRootUser() {
        refused(ErrorCode.ROOT_USER_NOT_EXIST, AuthState.INITIAL, new AuthCommand.Enable(KEY));
        AuthState otherUsers = AuthState.INITIAL.apply(new AuthCommand.UserAdd("alice", ""))
                .apply(new AuthCommand.RoleAdd(AuthState.ROOT))
                .apply(new AuthCommand.UserGrantRole("alice", AuthState.ROOT));
        refused(ErrorCode.ROOT_USER_NOT_EXIST, otherUsers, new AuthCommand.Enable(KEY));
    }

    @Test
    void enablingNeedsRootToHoldTheRootRole() {
        AuthState rootWithoutRole = AuthState.INITIAL.apply(new AuthCommand.UserAdd(AuthState.ROOT, ""))
                .apply(new AuthCommand.RoleAdd(AuthState.ROOT));
        refused(ErrorCode.ROOT_ROLE_NOT_EXIST, rootWithoutRole, new AuthCommand.Enable(KEY));
        AuthState rootWithOtherRole = rootWithoutRole.apply(new AuthCommand.RoleAdd("admin"))
                .apply(new AuthCommand.UserGrantRole(AuthState.ROOT, "admin"));
        refused(ErrorCode.ROOT_ROLE_NOT_EXIST, rootWithOtherRole, new AuthCommand.Enable(KEY));
    }

    @Test
    void enablingTurnsAuthOnWithTheProposedKey() {
        AuthState before = withRoot();
        byte[] key = {9, 8, 7};
        AuthState after = before.apply(new AuthCommand.Enable(key));
        assertTrue(after.enabled());
        assertArrayEquals(new byte[] {9, 8, 7}, after.tokenKey());
        key[0] = 0;
        assertArrayEquals(new byte[] {9, 8, 7}, after.tokenKey(), "the state keeps its own copy of the key");
        assertEquals(before.revision() + 1, after.revision());
    }

    @Test
    void enablingTwiceLeavesTheStateAlone() {
        AuthState on = enabled();
        assertSame(on, on.apply(new AuthCommand.Enable(new byte[] {4, 4})));
        assertArrayEquals(KEY, on.tokenKey(), "the second enable does not replace the key");
    }

    @Test
    void disablingDropsTheKeyAndDisablingTwiceChangesNothing() {
        AuthState on = enabled();
        AuthState off = on.apply(new AuthCommand.Disable());
        assertFalse(off.enabled());
        assertEquals(0, off.tokenKey().length);
        assertEquals(on.revision() + 1, off.revision());
        assertSame(off, off.apply(new AuthCommand.Disable()));
        assertEquals(on.userNames(), off.userNames(), "users and roles stay");
        assertEquals(on.roleNames(), off.roleNames());
    }

    @Test
    void rootCannotBeDeletedWhileAuthIsOn() {
        refused(ErrorCode.INVALID_AUTH_MGMT, enabled(), new AuthCommand.UserDelete(AuthState.ROOT));
        AuthState off = enabled().apply(new AuthCommand.Disable());
        assertTrue(off.apply(new AuthCommand.UserDelete(AuthState.ROOT)).user(AuthState.ROOT).isEmpty());
    }

    @Test
    void rootCannotLoseTheRootRoleWhileAuthIsOn() {
        refused(ErrorCode.INVALID_AUTH_MGMT, enabled(), new AuthCommand.UserRevokeRole(AuthState.ROOT, AuthState.ROOT));
        refused(ErrorCode.INVALID_AUTH_MGMT, enabled(), new AuthCommand.RoleDelete(AuthState.ROOT));
        AuthState off = withRoot();
        assertFalse(off.apply(new AuthCommand.UserRevokeRole(AuthState.ROOT, AuthState.ROOT)).isRoot(AuthState.ROOT));
        assertFalse(off.apply(new AuthCommand.RoleDelete(AuthState.ROOT)).isRoot(AuthState.ROOT));
    }

    @Test
    void rootMayLoseAnotherRoleWhileAuthIsOn() {
        AuthState s = enabled().apply(new AuthCommand.RoleAdd("extra"))
                .apply(new AuthCommand.UserGrantRole(AuthState.ROOT, "extra"));
        AuthState after = s.apply(new AuthCommand.UserRevokeRole(AuthState.ROOT, "extra"));
        assertEquals(List.of(AuthState.ROOT), after.user(AuthState.ROOT).orElseThrow().roles());
    }

    @Test
    void deletingARoleTakesItFromEveryUser() {
        AuthState s = enabled().apply(new AuthCommand.RoleAdd("a")).apply(new AuthCommand.RoleAdd("b"))
                .apply(new AuthCommand.UserAdd("u1", "")).apply(new AuthCommand.UserAdd("u2", ""))
                .apply(new AuthCommand.UserGrantRole("u1", "a")).apply(new AuthCommand.UserGrantRole("u1", "b"))
                .apply(new AuthCommand.UserGrantRole("u2", "a"));
        AuthState after = s.apply(new AuthCommand.RoleDelete("a"));
        assertEquals(List.of("b"), after.user("u1").orElseThrow().roles());
        assertEquals(List.of(), after.user("u2").orElseThrow().roles());
        assertTrue(after.role("a").isEmpty());
        assertEquals(s.revision() + 1, after.revision(), "one change, however many users it touches");
        assertEquals(s.user("u1").orElseThrow().since(), after.user("u1").orElseThrow().since(),
                "losing a role does not end the user's sessions");
    }

    @Test
    void grantingAnExistingRangeReplacesItsType() {
        KeyRange range = KeyRange.prefix(b("app/"));
        AuthState s = enabled().apply(new AuthCommand.RoleAdd("r"))
                .apply(new AuthCommand.RoleGrantPermission("r", new Permission(Permission.Type.READ, range)))
                .apply(new AuthCommand.RoleGrantPermission("r", new Permission(Permission.Type.READ,
                        KeyRange.single(b("x")))));
        AuthState after = s.apply(new AuthCommand.RoleGrantPermission("r",
                new Permission(Permission.Type.WRITE, new KeyRange(b("app/"), KeyRange.prefixEnd(b("app/"))))));
        assertEquals(List.of(new Permission(Permission.Type.WRITE, range),
                new Permission(Permission.Type.READ, KeyRange.single(b("x")))), after.role("r").orElseThrow()
                .permissions());
        assertEquals(s.revision() + 1, after.revision());
    }

    @Test
    void permissionsAreKeptInKeyOrder() {
        AuthState s = enabled().apply(new AuthCommand.RoleAdd("r"));
        List<KeyRange> ranges = List.of(KeyRange.single(b("c")), new KeyRange(b("a"), b("b")), KeyRange.single(b("a")),
                new KeyRange(b("b"), new byte[] {0}), KeyRange.prefix(b("ab")));
        for (KeyRange r : ranges) {
            s = s.apply(new AuthCommand.RoleGrantPermission("r", new Permission(Permission.Type.READ, r)));
        }
        List<KeyRange> kept = new ArrayList<>();
        s.role("r").orElseThrow().permissions().forEach(p -> kept.add(p.range()));
        assertEquals(List.of(KeyRange.single(b("a")), new KeyRange(b("a"), b("b")), KeyRange.prefix(b("ab")),
                new KeyRange(b("b"), new byte[] {0}), KeyRange.single(b("c"))), kept);
    }

    @Test
    void revokingAMissingRangeIsRefused() {
        AuthState s = enabled().apply(new AuthCommand.RoleAdd("r"))
                .apply(new AuthCommand.RoleGrantPermission("r", new Permission(Permission.Type.READ,
                        KeyRange.prefix(b("a")))));
        refused(ErrorCode.PERMISSION_NOT_GRANTED, s, new AuthCommand.RoleRevokePermission("r", KeyRange.single(b("a"))));
        refused(ErrorCode.ROLE_NOT_FOUND, s, new AuthCommand.RoleRevokePermission("nope", KeyRange.prefix(b("a"))));
        AuthState after = s.apply(new AuthCommand.RoleRevokePermission("r", KeyRange.prefix(b("a"))));
        assertEquals(List.of(), after.role("r").orElseThrow().permissions());
    }

    @Test
    void changingAPasswordMovesTheUsersSince() {
        AuthState s = enabled().apply(new AuthCommand.UserAdd("alice", "h1"));
        User before = s.user("alice").orElseThrow();
        assertEquals(s.revision(), before.since(), "a new user's since is the revision that created it");
        AuthState after = s.apply(new AuthCommand.UserChangePassword("alice", "h2"));
        User changed = after.user("alice").orElseThrow();
        assertEquals(after.revision(), changed.since());
        assertTrue(changed.since() > before.since());
        assertEquals("h2", changed.passwordHash());
        refused(ErrorCode.USER_NOT_FOUND, s, new AuthCommand.UserChangePassword("bob", "h"));
    }

    @Test
    void grantingARoleDoesNotMoveSinceAndGrantingItAgainChangesNothing() {
        AuthState s = enabled().apply(new AuthCommand.UserAdd("alice", "h")).apply(new AuthCommand.RoleAdd("r"));
        AuthState granted = s.apply(new AuthCommand.UserGrantRole("alice", "r"));
        assertEquals(s.user("alice").orElseThrow().since(), granted.user("alice").orElseThrow().since());
        assertSame(granted, granted.apply(new AuthCommand.UserGrantRole("alice", "r")));
        refused(ErrorCode.ROLE_NOT_FOUND, s, new AuthCommand.UserGrantRole("alice", "nope"));
        refused(ErrorCode.USER_NOT_FOUND, s, new AuthCommand.UserGrantRole("bob", "r"));
        refused(ErrorCode.ROLE_NOT_GRANTED, s, new AuthCommand.UserRevokeRole("alice", "r"));
    }

    @Test
    void emptyNamesAreRefused() {
        for (String empty : new String[] {"", null}) {
            refused(ErrorCode.USER_EMPTY, enabled(), new AuthCommand.UserAdd(empty, ""));
            refused(ErrorCode.ROLE_EMPTY, enabled(), new AuthCommand.RoleAdd(empty));
        }
    }

    @Test
    void duplicatesAndMissingNamesAreRefused() {
        AuthState s = enabled().apply(new AuthCommand.UserAdd("alice", "")).apply(new AuthCommand.RoleAdd("r"));
        refused(ErrorCode.USER_ALREADY_EXIST, s, new AuthCommand.UserAdd("alice", "other"));
        refused(ErrorCode.ROLE_ALREADY_EXIST, s, new AuthCommand.RoleAdd("r"));
        refused(ErrorCode.USER_NOT_FOUND, s, new AuthCommand.UserDelete("bob"));
        refused(ErrorCode.ROLE_NOT_FOUND, s, new AuthCommand.RoleDelete("q"));
        refused(ErrorCode.ROLE_NOT_FOUND, s, new AuthCommand.RoleGrantPermission("q",
                new Permission(Permission.Type.READ, KeyRange.single(b("k")))));
    }

    @Test
    void aDeletedAndRecreatedUserHasALaterSinceAndNoRoles() {
        AuthState s = enabled().apply(new AuthCommand.UserAdd("alice", "h")).apply(new AuthCommand.RoleAdd("r"))
                .apply(new AuthCommand.UserGrantRole("alice", "r"));
        long since = s.user("alice").orElseThrow().since();
        AuthState again = s.apply(new AuthCommand.UserDelete("alice")).apply(new AuthCommand.UserAdd("alice", "h"));
        assertTrue(again.user("alice").orElseThrow().since() > since);
        assertEquals(List.of(), again.user("alice").orElseThrow().roles());
    }

    /**
     * Random command sequences: every command either moves the revision by exactly one, returns the very same state
     * (a no-op), or is refused with a StorageException leaving the state as it was.
     */
    @Test
    void everyChangeMovesTheRevisionByOneAndEveryRefusalChangesNothing() {
        long seed = Long.getLong("seed", 7L);
        Random rnd = new Random(seed);
        List<String> names = List.of("root", "a", "b", "");
        for (int run = 0; run < 200; run++) {
            AuthState s = rnd.nextBoolean() ? AuthState.INITIAL : withRoot();
            for (int step = 0; step < 60; step++) {
                AuthCommand c = randomCommand(rnd, names);
                long rev = s.revision();
                long hash = s.hash();
                AuthState next;
                try {
                    next = s.apply(c);
                } catch (StorageException e) {
                    assertEquals(rev, s.revision(), "seed " + seed);
                    assertEquals(hash, s.hash(), "seed " + seed + ": " + c + " refused with " + e.code());
                    continue;
                }
                if (next != s) {
                    assertEquals(rev + 1, next.revision(), "seed " + seed + ": " + c);
                } else {
                    assertEquals(hash, next.hash());
                }
                s = next;
                // Invariants etcd keeps: while on, root exists with the root role.
                if (s.enabled()) {
                    assertTrue(s.isRoot(AuthState.ROOT), "seed " + seed + ": root lost the root role after " + c);
                }
            }
        }
    }

    private static AuthCommand randomCommand(Random rnd, List<String> names) {
        String n1 = names.get(rnd.nextInt(names.size()));
        String n2 = names.get(rnd.nextInt(names.size()));
        KeyRange range = switch (rnd.nextInt(3)) {
            case 0 -> KeyRange.single(new byte[] {(byte) ('a' + rnd.nextInt(2))});
            case 1 -> KeyRange.prefix(new byte[] {(byte) ('a' + rnd.nextInt(2))});
            default -> new KeyRange(new byte[] {'a'}, new byte[] {0});
        };
        return switch (rnd.nextInt(12)) {
            case 0 -> new AuthCommand.Enable(new byte[] {(byte) rnd.nextInt()});
            case 1 -> new AuthCommand.Disable();
            case 2 -> new AuthCommand.UserAdd(n1, "h" + rnd.nextInt(3));
            case 3 -> new AuthCommand.UserDelete(n1);
            case 4 -> new AuthCommand.UserChangePassword(n1, "h" + rnd.nextInt(3));
            case 5, 6 -> new AuthCommand.UserGrantRole(n1, n2);
            case 7 -> new AuthCommand.UserRevokeRole(n1, n2);
            case 8 -> new AuthCommand.RoleAdd(n1);
            case 9 -> new AuthCommand.RoleDelete(n1);
            case 10 -> new AuthCommand.RoleGrantPermission(n1,
                    new Permission(Permission.Type.values()[rnd.nextInt(3)], range));
            default -> new AuthCommand.RoleRevokePermission(n1, range);
        };
    }
}
