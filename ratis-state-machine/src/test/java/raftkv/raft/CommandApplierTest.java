package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyRange;
import raftkv.storage.KeyValue;
import raftkv.storage.MvccStore;
import raftkv.storage.StorageException;
import raftkv.storage.StoreConfig;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.auth.AuthState;
import raftkv.storage.auth.Permission;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.TxnRequest;

/** The apply-time half of authorization: auth revisions, unwrapped client commands, and the keys of leases. */
class CommandApplierTest {

    @TempDir
    Path dir;

    private MvccStore store;

    @BeforeEach
    void open() {
        store = MvccStore.open(StoreConfig.defaults(dir.resolve("store")));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private CommandResult apply(Command c) {
        return CommandApplier.apply(store, c, 1);
    }

    /** An auth change, on behalf of root once auth is on (as the Guard would propose it). */
    private void auth(AuthCommand c) {
        apply(store.auth().enabled() ? asUser(AuthState.ROOT, new Command.Auth(c)) : new Command.Auth(c));
    }

    /** Root, and alice who may write {@code app/} and read everything; auth on. */
    private void enableWithAlice() {
        auth(new AuthCommand.UserAdd(AuthState.ROOT, ""));
        auth(new AuthCommand.RoleAdd(AuthState.ROOT));
        auth(new AuthCommand.UserGrantRole(AuthState.ROOT, AuthState.ROOT));
        auth(new AuthCommand.UserAdd("alice", ""));
        auth(new AuthCommand.RoleAdd("app"));
        auth(new AuthCommand.RoleGrantPermission("app", new Permission(Permission.Type.READWRITE,
                KeyRange.prefix(b("app/")))));
        auth(new AuthCommand.RoleGrantPermission("app", new Permission(Permission.Type.READ,
                new KeyRange(new byte[0], new byte[] {0}))));
        auth(new AuthCommand.UserGrantRole("alice", "app"));
        auth(new AuthCommand.Enable(new byte[] {1, 2, 3}));
    }

    private Command asUser(String user, Command c) {
        return new Command.AsUser(user, store.auth().revision(), c);
    }

    private List<KeyValue> get(String key) {
        return store.range(RangeRequest.of(b(key)).build()).kvs();
    }

    private void assertRefused(ErrorCode code, Command c) {
        long revision = store.revision();
        long authRevision = store.auth().revision();
        StorageException e = assertThrows(StorageException.class, () -> apply(c));
        assertEquals(code, e.code(), c.toString());
        assertEquals(revision, store.revision(), "a refused command changes no key");
        assertEquals(authRevision, store.auth().revision(), "a refused command changes no user or role");
    }

    @Test
    void aPutAtTheCurrentAuthRevisionApplies() {
        enableWithAlice();
        CommandResult r = apply(asUser("alice", new Command.Kv(PutRequest.of(b("app/1"), b("v")))));
        assertEquals(store.revision(), r.revision());
        assertEquals(1, get("app/1").size());
    }

    @Test
    void aPutCheckedAtAnOlderAuthRevisionIsCheckedAgainAtApply() {
        // Changes that take alice's right away: the put, checked before them, is refused at apply.
        List<Consumer<CommandApplierTest>> revoking = List.of(
                t -> t.auth(new AuthCommand.RoleRevokePermission("app", KeyRange.prefix(b("app/")))),
                t -> t.auth(new AuthCommand.UserRevokeRole("alice", "app")),
                t -> t.auth(new AuthCommand.RoleDelete("app")),
                t -> t.auth(new AuthCommand.UserDelete("alice")));
        // Changes that leave it: the put applies, as it would have without them.
        List<Consumer<CommandApplierTest>> unrelated = List.of(
                t -> t.auth(new AuthCommand.RoleAdd("unrelated")),
                t -> t.auth(new AuthCommand.UserAdd("carol", "")),
                t -> t.auth(new AuthCommand.UserChangePassword("alice", "new")));
        int i = 0;
        for (List<Consumer<CommandApplierTest>> changes : List.of(revoking, unrelated)) {
            for (Consumer<CommandApplierTest> change : changes) {
                store.close();
                store = MvccStore.open(StoreConfig.defaults(dir.resolve("s" + i++)));
                enableWithAlice();
                Command checked = asUser("alice", new Command.Kv(PutRequest.of(b("app/1"), b("v"))));
                change.accept(this);
                if (changes == revoking) {
                    assertRefused(ErrorCode.PERMISSION_DENIED, checked);
                    assertEquals(0, get("app/1").size());
                } else {
                    apply(checked);
                    assertEquals(1, get("app/1").size());
                }
            }
        }
    }

    @Test
    void aCommandClaimingANewerRevisionThanTheApplyKnowsIsCheckedAgain() {
        enableWithAlice();
        // No honest member checks against a state ahead of the entry's own place in the log: such a claim is
        // checked against the state the apply has, like a stale one.
        apply(new Command.AsUser("alice", store.auth().revision() + 5,
                new Command.Kv(PutRequest.of(b("app/1"), b("v")))));
        assertEquals(1, get("app/1").size());
        assertRefused(ErrorCode.PERMISSION_DENIED, new Command.AsUser("alice", store.auth().revision() + 5,
                new Command.Kv(PutRequest.of(b("other/1"), b("v")))));
        assertEquals(0, get("other/1").size());
    }

    @Test
    void anUnwrappedClientCommandIsRefusedWhileAuthIsOn() {
        apply(new Command.Kv(PutRequest.of(b("k"), b("before"))));
        apply(new Command.LeaseGrant(1, 60));
        enableWithAlice();
        assertRefused(ErrorCode.USER_EMPTY, new Command.Kv(PutRequest.of(b("k"), b("after"))));
        assertRefused(ErrorCode.USER_EMPTY, new Command.LeaseGrant(2, 60));
        assertRefused(ErrorCode.USER_EMPTY, new Command.LeaseRevoke(1));
        assertRefused(ErrorCode.USER_EMPTY, new Command.Auth(new AuthCommand.Disable()));
        assertEquals("before", new String(get("k").get(0).value(), StandardCharsets.UTF_8));
        assertNotNull(store.lease(1));
        assertNull(store.lease(2));
    }

    @Test
    void internalCommandsNeedNoUser() {
        apply(new Command.LeaseGrant(1, 60));
        apply(new Command.Kv(PutRequest.of(b("k"), b("v"))));
        enableWithAlice();
        apply(new Command.LeaseExpire(1, 1));
        assertNull(store.lease(1));
        apply(new Command.Compact(store.revision()));
        assertEquals(store.revision(), store.compactRevision());
    }

    @Test
    void whileAuthIsOffUnwrappedAndWrappedCommandsApply() {
        apply(new Command.Kv(PutRequest.of(b("k"), b("v"))));
        // Wrapped by a member that saw auth on, applied after it went off: nothing to check.
        apply(new Command.AsUser("ghost", 0, new Command.Kv(PutRequest.of(b("k2"), b("v")))));
        assertEquals(1, get("k").size());
        assertEquals(1, get("k2").size());
    }

    @Test
    void authCanBeTurnedOffOnBehalfOfRoot() {
        enableWithAlice();
        apply(asUser(AuthState.ROOT, new Command.Auth(new AuthCommand.Disable())));
        assertEquals(false, store.auth().enabled());
        apply(new Command.Kv(PutRequest.of(b("k"), b("v"))));
    }

    /** etcd's checkLeasePuts: revoking a lease deletes its keys, so the user must be able to write every one. */
    @Test
    void revokingALeaseNeedsWriteOnEveryKeyItHolds() {
        apply(new Command.LeaseGrant(1, 60));
        apply(new Command.Kv(PutRequest.of(b("app/1"), b("v")).withLease(1)));
        apply(new Command.Kv(PutRequest.of(b("other"), b("v")).withLease(1)));
        enableWithAlice();
        assertRefused(ErrorCode.PERMISSION_DENIED, asUser("alice", new Command.LeaseRevoke(1)));
        assertEquals(1, get("app/1").size());
        assertEquals(1, get("other").size());
        assertNotNull(store.lease(1));
        apply(asUser(AuthState.ROOT, new Command.LeaseRevoke(1)));
        assertNull(store.lease(1));
        assertEquals(0, get("app/1").size());
        assertEquals(0, get("other").size());
    }

    @Test
    void aUserMayRevokeALeaseWhoseKeysItMayAllWrite() {
        apply(new Command.LeaseGrant(1, 60));
        apply(new Command.Kv(PutRequest.of(b("app/1"), b("v")).withLease(1)));
        enableWithAlice();
        apply(asUser("alice", new Command.LeaseRevoke(1)));
        assertNull(store.lease(1));
        assertEquals(0, get("app/1").size());
    }

    @Test
    void attachingAPutToALeaseWithKeysTheUserCannotWriteIsRefused() {
        apply(new Command.LeaseGrant(1, 60));
        apply(new Command.Kv(PutRequest.of(b("other"), b("v")).withLease(1)));
        enableWithAlice();
        assertRefused(ErrorCode.PERMISSION_DENIED,
                asUser("alice", new Command.Kv(PutRequest.of(b("app/1"), b("v")).withLease(1))));
        assertEquals(0, get("app/1").size());
        // The same inside a txn, in either branch.
        TxnRequest txn = new TxnRequest(List.of(), List.of(),
                List.of(PutRequest.of(b("app/2"), b("v")).withLease(1)));
        assertRefused(ErrorCode.PERMISSION_DENIED, asUser("alice", new Command.Kv(txn)));
        TxnRequest nested = new TxnRequest(List.of(), List.of(new TxnRequest(List.of(),
                List.of(PutRequest.of(b("app/3"), b("v")).withLease(1)), List.of())), List.of());
        assertRefused(ErrorCode.PERMISSION_DENIED, asUser("alice", new Command.Kv(nested)));
        // Root may, and so may alice with a lease of her own keys.
        apply(asUser(AuthState.ROOT, new Command.Kv(PutRequest.of(b("app/1"), b("v")).withLease(1))));
        apply(new Command.AsUser("alice", store.auth().revision(), new Command.LeaseGrant(2, 60)));
        apply(asUser("alice", new Command.Kv(PutRequest.of(b("app/4"), b("v")).withLease(2))));
        assertEquals(1, get("app/4").size());
    }
}
