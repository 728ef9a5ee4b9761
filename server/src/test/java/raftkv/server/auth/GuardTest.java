package raftkv.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static raftkv.server.auth.AuthStates.b;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import raftkv.raft.Command;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyRange;
import raftkv.storage.StorageException;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.auth.AuthState;
import raftkv.storage.auth.Permission;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

class GuardTest {

    private final AtomicReference<AuthState> state = new AtomicReference<>(AuthStates.enabled());
    private final Tokens tokens = new Tokens(Duration.ofMinutes(5),
            new MutableClock(Instant.parse("2026-01-01T00:00:00Z")));
    private final Guard guard = new Guard(state::get, tokens);

    private Credentials as(String user) {
        return new Credentials(tokens.issue(state.get(), state.get().user(user).orElseThrow()), null);
    }

    private static void assertCode(ErrorCode code, Executable e) {
        assertEquals(code, assertThrows(StorageException.class, e).code());
    }

    private static void assertDenied(Executable e) {
        assertCode(ErrorCode.PERMISSION_DENIED, e);
    }

    private static TxnRequest txn(List<Compare> compares, List<RequestOp> success, List<RequestOp> failure) {
        return new TxnRequest(compares, success, failure);
    }

    @Test
    void aPutNeedsWriteAndWithPrevKvReadToo() {
        Credentials alice = as("alice");
        guard.write(alice, PutRequest.of(b("app/1"), b("v")));
        guard.write(alice, PutRequest.of(b("log/1"), b("v")));
        assertDenied(() -> guard.write(alice, PutRequest.of(b("log/1"), b("v")).withPrevKv()));
        guard.write(alice, PutRequest.of(b("app/1"), b("v")).withPrevKv());
        assertDenied(() -> guard.write(alice, PutRequest.of(b("config"), b("v"))));
        assertDenied(() -> guard.write(alice, PutRequest.of(b("other"), b("v"))));
    }

    @Test
    void aDeleteNeedsWriteOverItsWholeRange() {
        Credentials alice = as("alice");
        guard.write(alice, new DeleteRangeRequest(b("app/"), KeyRange.prefixEnd(b("app/")), false));
        guard.write(alice, new DeleteRangeRequest(b("log/a"), b("log/z"), false));
        assertDenied(() -> guard.write(alice, new DeleteRangeRequest(b("app/"), b("b"), false)));
        assertDenied(() -> guard.write(alice, new DeleteRangeRequest(b("app/"), new byte[] {0}, false)));
        // prev_kv reads what it deletes.
        assertDenied(() -> guard.write(alice, new DeleteRangeRequest(b("log/a"), b("log/z"), true)));
        assertDenied(() -> guard.write(alice, DeleteRangeRequest.of(b("config"))));
    }

    @Test
    void aTxnNeedsReadForItsComparesAndTheRightsOfEveryOperation() {
        Credentials alice = as("alice");
        PutRequest putApp = PutRequest.of(b("app/1"), b("v"));
        guard.write(alice, txn(List.of(Compare.value(b("config"), Compare.Result.EQUAL, b("x"))),
                List.of(putApp), List.of(RangeRequest.of(b("config")).build())));
        assertDenied(() -> guard.write(alice, txn(List.of(Compare.value(b("log/1"), Compare.Result.EQUAL, b("x"))),
                List.of(putApp), List.of())));
        assertDenied(() -> guard.write(alice, txn(List.of(), List.of(putApp),
                List.of(PutRequest.of(b("config"), b("v"))))));
        assertDenied(() -> guard.write(alice, txn(List.of(), List.of(RangeRequest.of(b("log/1")).build()),
                List.of())));
        // Nested: the inner txn's operations count as much as the outer's.
        TxnRequest inner = txn(List.of(Compare.version(b("other"), Compare.Result.EQUAL, 0)), List.of(), List.of());
        assertDenied(() -> guard.write(alice, txn(List.of(), List.of(inner), List.of())));
        TxnRequest innerPut = txn(List.of(), List.of(), List.of(PutRequest.of(b("other"), b("v"))));
        assertDenied(() -> guard.write(alice, txn(List.of(), List.of(), List.of(innerPut))));
        guard.write(alice, txn(List.of(), List.of(txn(List.of(), List.of(putApp), List.of())), List.of()));
        assertDenied(() -> guard.checkReadTxn(alice, txn(List.of(), List.of(RangeRequest.of(b("log/")).build()),
                List.of())));
        guard.checkReadTxn(alice, txn(List.of(), List.of(RangeRequest.of(b("app/"))
                .rangeEnd(KeyRange.prefixEnd(b("app/"))).build()), List.of()));
    }

    @Test
    void rangesAndWatchesNeedRead() {
        Credentials alice = as("alice");
        guard.checkRange(alice, RangeRequest.of(b("config")).build());
        assertDenied(() -> guard.checkRange(alice, RangeRequest.of(b("log/1")).build()));
        guard.checkWatch(alice, KeyRange.prefix(b("app/")));
        assertDenied(() -> guard.checkWatch(alice, new KeyRange(b("app/"), new byte[] {0})));
    }

    @Test
    void writeWrapsTheCommandWithTheRevisionItWasCheckedAt() {
        PutRequest put = PutRequest.of(b("app/1"), b("v"));
        Command c = guard.write(as("alice"), put);
        Command.AsUser u = assertInstanceOf(Command.AsUser.class, c);
        assertEquals("alice", u.user());
        assertEquals(state.get().revision(), u.authRevision());
        assertEquals(new Command.Kv(put), u.command());
        Command.AsUser lease = assertInstanceOf(Command.AsUser.class,
                guard.authenticated(as("alice"), new Command.LeaseGrant(1, 10)));
        assertEquals(new Command.LeaseGrant(1, 10), lease.command());
        Command.AsUser root = assertInstanceOf(Command.AsUser.class,
                guard.root(as(AuthState.ROOT), new Command.Compact(5)));
        assertEquals(AuthState.ROOT, root.user());
    }

    @Test
    void withAuthOffCommandsGoBareAndNothingIsChecked() {
        state.set(AuthStates.enabled().apply(new AuthCommand.Disable()));
        PutRequest put = PutRequest.of(b("anything"), b("v"));
        assertEquals(new Command.Kv(put), guard.write(Credentials.NONE, put));
        Command grant = new Command.LeaseGrant(1, 10);
        assertSame(grant, guard.authenticated(Credentials.NONE, grant));
        Command compact = new Command.Compact(3);
        // A client's compaction leaves wrapped even so, to be told from a member's own at apply.
        Command proposed = guard.root(new Credentials("garbage token", null), compact);
        assertEquals(new Command.AsUser("", state.get().revision(), compact), proposed);
        guard.checkRoot(Credentials.NONE);
        guard.screen(new Credentials("garbage", null), true);
        assertNull(currentUser(guard, Credentials.NONE));
    }

    @Test
    void rootOnlyRequestsRefuseOthers() {
        assertDenied(() -> guard.checkRoot(as("alice")));
        assertDenied(() -> guard.root(as("alice"), new Command.Compact(1)));
        assertCode(ErrorCode.USER_EMPTY, () -> guard.checkRoot(Credentials.NONE));
        guard.checkRoot(as(AuthState.ROOT));
    }

    @Test
    void noCredentialsWhileAuthIsOnIsAnEmptyUser() {
        assertCode(ErrorCode.USER_EMPTY, () -> guard.write(Credentials.NONE, PutRequest.of(b("app/1"), b("v"))));
        assertCode(ErrorCode.USER_EMPTY, () -> guard.authenticated(Credentials.NONE, new Command.LeaseGrant(1, 1)));
        assertCode(ErrorCode.USER_EMPTY, () -> guard.checkAuthenticated(Credentials.NONE));
        assertCode(ErrorCode.USER_EMPTY, () -> currentUser(guard, Credentials.NONE));
    }

    @Test
    void aCertificateUserCountsWhenThereIsNoToken() {
        Credentials cert = new Credentials(null, "alice");
        guard.write(cert, PutRequest.of(b("app/1"), b("v")));
        assertDenied(() -> guard.write(cert, PutRequest.of(b("other"), b("v"))));
        assertDenied(() -> guard.write(new Credentials(null, "mallory"), PutRequest.of(b("app/1"), b("v"))));
        // A token, when present, decides; a bad one is not rescued by a certificate.
        assertCode(ErrorCode.INVALID_AUTH_TOKEN,
                () -> guard.write(new Credentials("forged", AuthState.ROOT), PutRequest.of(b("app/1"), b("v"))));
        assertEquals("alice", currentUser(guard, new Credentials(as("alice").token(), AuthState.ROOT)));
    }

    @Test
    void screenRefusesForgedTokensAndMissingCredentialsWhereRequired() {
        assertCode(ErrorCode.INVALID_AUTH_TOKEN, () -> guard.screen(new Credentials("forged", null), false));
        String other = tokens.issue(AuthStates.enabled(new byte[] {5}), AuthStates.enabled().user("alice")
                .orElseThrow());
        assertCode(ErrorCode.INVALID_AUTH_TOKEN, () -> guard.screen(new Credentials(other, null), false));
        assertCode(ErrorCode.USER_EMPTY, () -> guard.screen(Credentials.NONE, true));
        guard.screen(Credentials.NONE, false);
        guard.screen(new Credentials(null, "alice"), true);
        guard.screen(as("alice"), true);
    }

    /** A member behind the one that issued the token cannot judge it yet: it waits for the request to catch up. */
    @Test
    void screenLetsATokenFromALaterRevisionPass() {
        AuthState behind = state.get();
        AuthState ahead = behind.apply(new AuthCommand.UserAdd("dave", "h"));
        String daveToken = tokens.issue(ahead, ahead.user("dave").orElseThrow());
        guard.screen(new Credentials(daveToken, null), true);
        // But the check that follows, at the state this member has, refuses it.
        assertCode(ErrorCode.INVALID_AUTH_TOKEN,
                () -> guard.write(new Credentials(daveToken, null), PutRequest.of(b("app/1"), b("v"))));
        state.set(ahead);
        assertEquals("dave", currentUser(guard, new Credentials(daveToken, null)));
    }

    @Test
    void checkKeysNeedsBothRightsForReadWrite() {
        Credentials alice = as("alice");
        guard.checkKeys(alice, Permission.Type.READWRITE, KeyRange.prefix(b("app/")));
        assertDenied(() -> guard.checkKeys(alice, Permission.Type.READWRITE, KeyRange.prefix(b("log/"))));
        guard.checkKeys(alice, Permission.Type.WRITE, KeyRange.prefix(b("log/")));
        assertDenied(() -> guard.checkKeys(alice, Permission.Type.READ, KeyRange.prefix(b("log/"))));
    }

    /** The user {@code who} stands for, as a request about the user itself resolves it; null when auth is off. */
    private static String currentUser(Guard guard, Credentials who) {
        AuthState s = guard.state();
        String user = guard.user(s, who);
        s.checkAuthenticated(user);
        return user;
    }
}
