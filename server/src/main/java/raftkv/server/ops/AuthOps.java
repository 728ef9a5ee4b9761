package raftkv.server.ops;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.Command;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.server.auth.Passwords;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyRange;
import raftkv.storage.StorageException;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.auth.AuthState;
import raftkv.storage.auth.Permission;
import raftkv.storage.auth.Role;
import raftkv.storage.auth.User;

/**
 * etcd's Auth service, as both client protocols serve it: authentication on and off, {@code Authenticate}, and user
 * and role management. Changes are proposed through Raft (root only while authentication is on); reads of users
 * and roles run once this member is current. Passwords are hashed here, before proposing, and never logged; so are
 * tokens. Runs on the work pool (bcrypt is slow by design), never an event loop.
 */
public final class AuthOps {

    private static final Logger log = LoggerFactory.getLogger(AuthOps.class);

    /** Whether authentication is on, and the auth revision. */
    public record Status(boolean enabled, long authRevision) {
    }

    /** Failed logins, logged at most once per interval: anyone may try, and must not flood the log. */
    private static final FailureLog failures = new FailureLog(10_000, System::nanoTime, (user, unlogged) -> {
        if (unlogged == 0) {
            log.info("authentication failed for user '{}'", user);
        } else {
            log.info("authentication failed for user '{}' ({} more failed since the last such line)", user, unlogged);
        }
    });

    private final Node node;

    public AuthOps(Node node) {
        this.node = node;
    }

    /**
     * A token for {@code name} if {@code password} is its password. The member first catches up with the log, so
     * that a user just added can authenticate anywhere at once; the check itself is local (and remembered, see
     * {@link Passwords}); nothing is replicated.
     */
    public CompletableFuture<String> authenticate(String name, String password) {
        return node.raft().reads().linearizable().thenCompose(v -> {
            AuthState now = node.guard().state();
            if (!now.enabled()) {
                throw new StorageException(ErrorCode.AUTH_NOT_ENABLED);
            }
            User known = now.user(name == null ? "" : name).orElse(null);
            if (known == null || !known.hasPassword() || password == null) {
                // As long as a wrong password takes: the answer's time gives no hint of which names exist.
                return onPasswordPool(() -> node.passwords().spendACheck(password))
                        .thenApply(x -> failed(name));
            }
            // A remembered password costs one HMAC: answered here, it never waits behind bcrypt runs (a flood of
            // wrong passwords fills the bcrypt pool, and must not lock out users whose logins are remembered).
            if (node.passwords().remembered(known.name(), password, known.passwordHash())) {
                return CompletableFuture.completedFuture(issue(now, known));
            }
            return node.passwords().matchesOnce(known.name(), password, known.passwordHash(), node.passwordChecks())
                    .exceptionally(e -> {
                        throw busyOr(e);
                    })
                    .thenApply(ok -> ok ? issue(now, known) : failed(name));
        });
    }

    private CompletableFuture<Void> onPasswordPool(Runnable r) {
        try {
            return CompletableFuture.runAsync(r, node.passwordChecks());
        } catch (java.util.concurrent.RejectedExecutionException full) {
            return CompletableFuture.failedFuture(new ApiError.ApiException(ApiError.tooManyRequests()));
        }
    }

    /** The bcrypt pool's refusal as etcd's "too many requests"; anything else as it is. */
    private static RuntimeException busyOr(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
        if (cause instanceof java.util.concurrent.RejectedExecutionException) {
            return new ApiError.ApiException(ApiError.tooManyRequests());
        }
        return cause instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(cause);
    }

    private static String failed(String name) {
        failures.record(printable(name));
        throw new StorageException(ErrorCode.AUTH_FAILED);
    }

    private String issue(AuthState s, User user) {
        log.debug("user '{}' authenticated", user.name());
        return node.tokens().issue(s, user);
    }

    public CompletableFuture<Status> status() {
        return current(s -> new Status(s.enabled(), s.revision()));
    }

    /** Turns authentication on; refused unless user root exists with the root role. */
    public CompletableFuture<Long> enable(Credentials who) {
        return change(who, new AuthCommand.Enable(node.passwords().newTokenKey()));
    }

    public CompletableFuture<Long> disable(Credentials who) {
        return change(who, new AuthCommand.Disable());
    }

    /** Adds a user, with a password unless {@code noPassword} (then only a client certificate can stand for it). */
    public CompletableFuture<Long> userAdd(Credentials who, String name, String password, boolean noPassword) {
        requireName(name, ErrorCode.USER_EMPTY);
        node.guard().checkRoot(who); // before bcrypt: a caller who may not add users costs no hashing
        String hash = "";
        if (!noPassword) {
            hash = node.passwords().hash(checkedPassword(password));
        }
        return change(who, new AuthCommand.UserAdd(name, hash));
    }

    public CompletableFuture<Long> userDelete(Credentials who, String name) {
        return change(who, new AuthCommand.UserDelete(name == null ? "" : name));
    }

    public CompletableFuture<Long> userChangePassword(Credentials who, String name, String password) {
        node.guard().checkRoot(who);
        String hash = node.passwords().hash(checkedPassword(password));
        return change(who, new AuthCommand.UserChangePassword(name == null ? "" : name, hash));
    }

    public CompletableFuture<Long> userGrantRole(Credentials who, String user, String role) {
        return change(who, new AuthCommand.UserGrantRole(user == null ? "" : user, role == null ? "" : role));
    }

    public CompletableFuture<Long> userRevokeRole(Credentials who, String user, String role) {
        return change(who, new AuthCommand.UserRevokeRole(user == null ? "" : user, role == null ? "" : role));
    }

    /** A user's roles: root may read any user, a user itself. */
    public CompletableFuture<List<String>> userGet(Credentials who, String name) {
        return current(s -> {
            String self = node.guard().user(s, who);
            if (s.enabled() && !s.isRoot(self)) {
                s.checkAuthenticated(self);
                if (!self.equals(name)) {
                    throw new StorageException(ErrorCode.PERMISSION_DENIED);
                }
            }
            return s.user(name == null ? "" : name).orElseThrow(() ->
                    new StorageException(ErrorCode.USER_NOT_FOUND)).roles();
        });
    }

    public CompletableFuture<List<String>> userList(Credentials who) {
        return current(s -> {
            s.checkRoot(node.guard().user(s, who));
            return s.userNames();
        });
    }

    public CompletableFuture<Long> roleAdd(Credentials who, String name) {
        requireName(name, ErrorCode.ROLE_EMPTY);
        return change(who, new AuthCommand.RoleAdd(name));
    }

    public CompletableFuture<Long> roleDelete(Credentials who, String name) {
        return change(who, new AuthCommand.RoleDelete(name == null ? "" : name));
    }

    /** A role's permissions: root may read any role, a user the roles it holds. */
    public CompletableFuture<List<Permission>> roleGet(Credentials who, String name) {
        return current(s -> {
            String user = node.guard().user(s, who);
            if (s.enabled() && !s.isRoot(user)) {
                s.checkAuthenticated(user);
                if (name == null || !s.user(user).map(u -> u.hasRole(name)).orElse(false)) {
                    throw new StorageException(ErrorCode.PERMISSION_DENIED);
                }
            }
            return s.role(name == null ? "" : name).map(Role::permissions).orElseThrow(() ->
                    new StorageException(ErrorCode.ROLE_NOT_FOUND));
        });
    }

    public CompletableFuture<List<String>> roleList(Credentials who) {
        return current(s -> {
            s.checkRoot(node.guard().user(s, who));
            return s.roleNames();
        });
    }

    public CompletableFuture<Long> roleGrantPermission(Credentials who, String role, Permission permission) {
        if (permission == null) {
            throw new StorageException(ErrorCode.PERMISSION_NOT_GIVEN);
        }
        return change(who, new AuthCommand.RoleGrantPermission(role == null ? "" : role, permission));
    }

    public CompletableFuture<Long> roleRevokePermission(Credentials who, String role, KeyRange range) {
        return change(who, new AuthCommand.RoleRevokePermission(role == null ? "" : role, range));
    }

    /** Proposes a change on behalf of root; answers the store revision for the response header. */
    private CompletableFuture<Long> change(Credentials who, AuthCommand c) {
        return node.raft().writes().propose(node.guard().root(who, new Command.Auth(c))).thenApply(r -> r.revision());
    }

    /** Runs {@code read} against the auth state once this member has applied everything committed. */
    private <T> CompletableFuture<T> current(Function<AuthState, T> read) {
        return node.raft().reads().linearizable().thenApplyAsync(v -> read.apply(node.guard().state()), node.work());
    }

    /** A name as a log line may show it: bounded, and without control characters (a client chose it). */
    private static String printable(String name) {
        if (name == null) {
            return "";
        }
        String shown = name.length() > 64 ? name.substring(0, 64) + "..." : name;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    private static void requireName(String name, ErrorCode ifEmpty) {
        if (name == null || name.isEmpty()) {
            throw new StorageException(ifEmpty);
        }
    }

    private static String checkedPassword(String password) {
        if (password == null || password.isEmpty()) {
            throw new ApiError.ApiException(ApiError.badRequest(
                    "field \"password\": a password is required (or add the user with options.no_password)"));
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > Passwords.MAX_PASSWORD_BYTES) {
            throw new ApiError.ApiException(ApiError.badRequest("field \"password\": longer than bcrypt's "
                    + Passwords.MAX_PASSWORD_BYTES + " bytes"));
        }
        return password;
    }
}
