package raftkv.storage.auth;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import raftkv.storage.ErrorCode;
import raftkv.storage.KeyRange;
import raftkv.storage.StorageException;

/**
 * The users, roles and permissions of the cluster, and whether authentication is on: replicated state (the seed's
 * {@code auth} tree), applied by every member alike and kept with the data, in snapshots and in the hash.
 *
 * <p>Immutable: {@link #apply} returns the next state, and the store publishes it whole, so a request checks its
 * permissions against one consistent state without a lock. {@link #revision()} counts the changes (etcd's auth
 * revision, 1 for a new store): a request checked at one revision and applied at a later one is checked again at
 * apply, against the state of that point of the log, so a permission revoked in between is honoured.
 *
 * <p>Each user's readable and writable key intervals are computed on first use and kept for the life of the state.
 */
public final class AuthState {

    /** The user and the role that may do everything; both must exist (the role granted) to turn auth on. */
    public static final String ROOT = "root";

    public static final AuthState INITIAL = new AuthState(false, 1, new byte[0], new TreeMap<>(), new TreeMap<>());

    private final boolean enabled;
    private final long revision;
    private final byte[] tokenKey;
    private final NavigableMap<String, User> users;
    private final NavigableMap<String, Role> roles;
    private final ConcurrentHashMap<String, PermittedRanges> readable = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, PermittedRanges> writable = new ConcurrentHashMap<>();

    AuthState(boolean enabled, long revision, byte[] tokenKey, NavigableMap<String, User> users,
              NavigableMap<String, Role> roles) {
        this.enabled = enabled;
        this.revision = revision;
        this.tokenKey = tokenKey;
        this.users = Collections.unmodifiableNavigableMap(users);
        this.roles = Collections.unmodifiableNavigableMap(roles);
    }

    public boolean enabled() {
        return enabled;
    }

    public long revision() {
        return revision;
    }

    /** The key that signs tokens while authentication is on; empty while it is off. Never log it. */
    public byte[] tokenKey() {
        return tokenKey.clone();
    }

    public Optional<User> user(String name) {
        return Optional.ofNullable(users.get(name));
    }

    public Optional<Role> role(String name) {
        return Optional.ofNullable(roles.get(name));
    }

    public List<String> userNames() {
        return new ArrayList<>(users.keySet());
    }

    public List<String> roleNames() {
        return new ArrayList<>(roles.keySet());
    }

    NavigableMap<String, User> users() {
        return users;
    }

    NavigableMap<String, Role> roles() {
        return roles;
    }

    /** Whether {@code user} holds the root role, and so may do everything. */
    public boolean isRoot(String user) {
        User u = user == null ? null : users.get(user);
        return u != null && u.hasRole(ROOT);
    }

    /**
     * Refuses, with etcd's error, a request by {@code user} that needs {@code need} over {@code range}; passes when
     * authentication is off.
     *
     * @param user the authenticated user, or null for a request without credentials
     */
    public void check(String user, Permission.Type need, KeyRange range) {
        if (!enabled) {
            return;
        }
        requireUser(user);
        if (isRoot(user)) {
            return;
        }
        PermittedRanges allowed = (need == Permission.Type.READ ? readable : writable)
                .computeIfAbsent(user, u -> permitted(u, need));
        if (!allowed.covers(range)) {
            throw new StorageException(ErrorCode.PERMISSION_DENIED);
        }
    }

    /** Refuses a request that only root may make (maintenance, membership, user and role management). */
    public void checkRoot(String user) {
        if (!enabled) {
            return;
        }
        requireUser(user);
        if (!isRoot(user)) {
            throw new StorageException(ErrorCode.PERMISSION_DENIED);
        }
    }

    /** Refuses a request without a user, or for a user that no longer exists, while authentication is on. */
    public void checkAuthenticated(String user) {
        if (enabled) {
            requireUser(user);
        }
    }

    private void requireUser(String user) {
        if (user == null || user.isEmpty()) {
            throw new StorageException(ErrorCode.USER_EMPTY);
        }
        if (!users.containsKey(user)) {
            throw new StorageException(ErrorCode.PERMISSION_DENIED);
        }
    }

    private PermittedRanges permitted(String user, Permission.Type need) {
        User u = users.get(user);
        if (u == null) {
            return PermittedRanges.NONE;
        }
        List<KeyRange> ranges = new ArrayList<>();
        for (String roleName : u.roles()) {
            Role role = roles.get(roleName);
            if (role == null) {
                continue;
            }
            for (Permission p : role.permissions()) {
                if (p.type().allows(need)) {
                    ranges.add(p.range());
                }
            }
        }
        return PermittedRanges.of(ranges);
    }

    /**
     * The state after {@code command}, or the refusal etcd gives it ({@link StorageException} with an auth code).
     * Deterministic: the same command on the same state gives the same state on every member.
     */
    public AuthState apply(AuthCommand command) {
        return AuthChanges.apply(this, command);
    }

    /** A hash of the whole state, equal on members that applied the same changes. */
    public long hash() {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(AuthCodec.encode(this));
        return crc.getValue();
    }

    @Override
    public String toString() {
        return "AuthState[" + (enabled ? "enabled" : "disabled") + ", revision " + revision + ", " + users.size()
                + " users, " + roles.size() + " roles]";
    }
}
