package raftkv.server.auth;

import raftkv.raft.Command;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyRange;
import raftkv.storage.StorageException;
import raftkv.storage.auth.AuthState;
import raftkv.storage.auth.Permission;
import raftkv.storage.auth.RequestPermissions;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

/**
 * The permission check every request passes, once, on the member that receives it, as etcd's: reads need READ
 * over their keys, writes WRITE (and READ too when they ask for the previous value), a txn each of its compares and
 * operations ({@link RequestPermissions}), maintenance, membership and user management the root role. A request
 * that will be proposed leaves wrapped in {@link Command.AsUser} with the revision of the auth state it was checked
 * against, so that the apply checks it again if that state changed in between.
 *
 * <p>Each check reads the store's auth state once and resolves the credentials against that same state. Runs on
 * any thread; nothing here blocks.
 */
public final class Guard {

    private final java.util.function.Supplier<AuthState> state;
    private final Tokens tokens;

    public Guard(java.util.function.Supplier<AuthState> state, Tokens tokens) {
        this.state = state;
        this.tokens = tokens;
    }

    /** The auth state now. */
    public AuthState state() {
        return state.get();
    }

    /**
     * The user {@code who} stands for in state {@code s}, or null when authentication is off or it presents nothing.
     *
     * @throws StorageException {@link ErrorCode#INVALID_AUTH_TOKEN} for a token that does not stand
     */
    public String user(AuthState s, Credentials who) {
        if (!s.enabled()) {
            return null;
        }
        if (who.token() != null) {
            return tokens.verify(s, who.token());
        }
        return who.certificateUser();
    }

    /**
     * The early check, before a request's body is even decoded: while authentication is on, a token that does not
     * stand (forged, expired), or no credentials at all where they are required, end the request at once. A token
     * for a user this member does not know yet, issued at a later auth revision than it has applied, is let through
     * to the request's own check.
     */
    public void screen(Credentials who, boolean credentialsRequired) {
        AuthState s = state.get();
        if (!s.enabled()) {
            return;
        }
        if (who.token() != null) {
            tokens.screen(s, who.token());
        } else if (credentialsRequired && who.certificateUser() == null) {
            throw new StorageException(ErrorCode.USER_EMPTY);
        }
    }

    /** Checks a read; reads run after the read barrier, so this state is at least as new as the read. */
    public void checkRange(Credentials who, RangeRequest r) {
        AuthState s = state.get();
        s.check(user(s, who), Permission.Type.READ, new KeyRange(r.key(), r.rangeEnd()));
    }

    /** Checks a read-only txn, run on the local store. */
    public void checkReadTxn(Credentials who, TxnRequest t) {
        AuthState s = state.get();
        RequestPermissions.check(s, user(s, who), t);
    }

    /** Checks a watch over {@code range}, when it is created (etcd does not recheck a running watch). */
    public void checkWatch(Credentials who, KeyRange range) {
        AuthState s = state.get();
        s.check(user(s, who), Permission.Type.READ, range);
    }

    /** Checks a put, delete or txn and returns the command to propose for it. */
    public Command write(Credentials who, RequestOp op) {
        AuthState s = state.get();
        String user = user(s, who);
        RequestPermissions.check(s, user, op);
        return wrap(s, user, new Command.Kv(op));
    }

    /** Checks a request any authenticated user may make (leases) and returns the command to propose for it. */
    public Command authenticated(Credentials who, Command c) {
        AuthState s = state.get();
        String user = user(s, who);
        s.checkAuthenticated(user);
        return wrap(s, user, c);
    }

    /**
     * Checks access of type {@code need} over {@code range} for a request that does its own reads and writes on the
     * caller's behalf (a lock or an election, over its key prefix).
     */
    public void checkKeys(Credentials who, Permission.Type need, KeyRange range) {
        AuthState s = state.get();
        String user = user(s, who);
        if (need != Permission.Type.WRITE) {
            s.check(user, Permission.Type.READ, range);
        }
        if (need != Permission.Type.READ) {
            s.check(user, Permission.Type.WRITE, range);
        }
    }

    /** Checks a request only root may make and returns the command to propose for it. */
    public Command root(Credentials who, Command c) {
        AuthState s = state.get();
        String user = user(s, who);
        s.checkRoot(user);
        if (c instanceof Command.Compact || c instanceof Command.Alarm) {
            // Members propose these too, and the apply lets theirs through unwrapped: a client's always leaves
            // wrapped, so that the apply can tell, and checks it if authentication was turned on meanwhile.
            return new Command.AsUser(user == null ? "" : user, s.revision(), c);
        }
        return wrap(s, user, c);
    }

    /**
     * The credentials for a call that goes on acting for its caller after it began (a lock or election wait, its
     * cleanup, a keep-alive stream): the user its token stands for now, so that the token's expiry does not end it
     * midway. Permissions are still checked at each step, and a deleted user is refused.
     */
    public Credentials resolved(Credentials who) {
        AuthState s = state.get();
        String user = user(s, who);
        return user == null ? who : Credentials.ofUser(user);
    }

    /** Checks a request only root may make that is not proposed (maintenance, membership, auth reads). */
    public void checkRoot(Credentials who) {
        AuthState s = state.get();
        s.checkRoot(user(s, who));
    }

    /** Checks a request any authenticated user may make that is not proposed (lease queries). */
    public void checkAuthenticated(Credentials who) {
        AuthState s = state.get();
        s.checkAuthenticated(user(s, who));
    }

    private static Command wrap(AuthState s, String user, Command c) {
        return s.enabled() ? new Command.AsUser(user, s.revision(), c) : c;
    }
}
