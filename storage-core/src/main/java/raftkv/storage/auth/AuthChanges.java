package raftkv.storage.auth;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import raftkv.storage.Bytes;
import raftkv.storage.ErrorCode;
import raftkv.storage.StorageException;

/**
 * Applies an {@link AuthCommand} to an {@link AuthState}, with etcd's rules and errors: root can neither be deleted
 * nor lose the root role while authentication is on, deleting a role takes it from every user, and every change
 * that is made moves the auth revision on. A command that changes nothing (enabling twice, granting a role again)
 * leaves the revision alone.
 */
final class AuthChanges {

    private static final Comparator<Permission> KEY_ORDER = Comparator
            .comparing((Permission p) -> p.range().key(), Bytes.ORDER)
            .thenComparing(p -> p.range().end() == null ? new byte[0] : p.range().end(), Bytes.ORDER);

    private AuthChanges() {
    }

    static AuthState apply(AuthState s, AuthCommand command) {
        TreeMap<String, User> users = new TreeMap<>(s.users());
        TreeMap<String, Role> roles = new TreeMap<>(s.roles());
        long next = s.revision() + 1;
        if (command instanceof AuthCommand.Enable e) {
            if (s.enabled()) {
                return s;
            }
            User root = users.get(AuthState.ROOT);
            if (root == null) {
                throw refused(ErrorCode.ROOT_USER_NOT_EXIST);
            }
            if (!root.hasRole(AuthState.ROOT)) {
                throw refused(ErrorCode.ROOT_ROLE_NOT_EXIST);
            }
            return new AuthState(true, next, e.tokenKey().clone(), users, roles);
        }
        if (command instanceof AuthCommand.Disable) {
            return s.enabled() ? new AuthState(false, next, new byte[0], users, roles) : s;
        }
        if (command instanceof AuthCommand.UserAdd a) {
            requireName(a.name(), ErrorCode.USER_EMPTY);
            if (users.containsKey(a.name())) {
                throw refused(ErrorCode.USER_ALREADY_EXIST);
            }
            users.put(a.name(), new User(a.name(), a.passwordHash(), List.of(), next));
        } else if (command instanceof AuthCommand.UserDelete d) {
            if (s.enabled() && AuthState.ROOT.equals(d.name())) {
                throw refused(ErrorCode.INVALID_AUTH_MGMT);
            }
            if (users.remove(d.name()) == null) {
                throw refused(ErrorCode.USER_NOT_FOUND);
            }
        } else if (command instanceof AuthCommand.UserChangePassword c) {
            User u = existingUser(users, c.name());
            users.put(u.name(), new User(u.name(), c.passwordHash(), u.roles(), next));
        } else if (command instanceof AuthCommand.UserGrantRole g) {
            User u = existingUser(users, g.user());
            if (!AuthState.ROOT.equals(g.role()) && !roles.containsKey(g.role())) {
                throw refused(ErrorCode.ROLE_NOT_FOUND);
            }
            if (u.hasRole(g.role())) {
                return s;
            }
            List<String> granted = new ArrayList<>(u.roles());
            granted.add(g.role());
            granted.sort(null);
            users.put(u.name(), new User(u.name(), u.passwordHash(), granted, u.since()));
        } else if (command instanceof AuthCommand.UserRevokeRole r) {
            User u = existingUser(users, r.user());
            if (s.enabled() && AuthState.ROOT.equals(r.user()) && AuthState.ROOT.equals(r.role())) {
                throw refused(ErrorCode.INVALID_AUTH_MGMT);
            }
            if (!u.hasRole(r.role())) {
                throw refused(ErrorCode.ROLE_NOT_GRANTED);
            }
            List<String> kept = new ArrayList<>(u.roles());
            kept.remove(r.role());
            users.put(u.name(), new User(u.name(), u.passwordHash(), kept, u.since()));
        } else if (command instanceof AuthCommand.RoleAdd a) {
            requireName(a.name(), ErrorCode.ROLE_EMPTY);
            if (roles.containsKey(a.name())) {
                throw refused(ErrorCode.ROLE_ALREADY_EXIST);
            }
            roles.put(a.name(), new Role(a.name(), List.of()));
        } else if (command instanceof AuthCommand.RoleDelete d) {
            if (s.enabled() && AuthState.ROOT.equals(d.name())) {
                throw refused(ErrorCode.INVALID_AUTH_MGMT);
            }
            if (roles.remove(d.name()) == null) {
                throw refused(ErrorCode.ROLE_NOT_FOUND);
            }
            for (Map.Entry<String, User> e : new ArrayList<>(users.entrySet())) {
                User u = e.getValue();
                if (u.hasRole(d.name())) {
                    List<String> kept = new ArrayList<>(u.roles());
                    kept.remove(d.name());
                    e.setValue(new User(u.name(), u.passwordHash(), kept, u.since()));
                }
            }
        } else if (command instanceof AuthCommand.RoleGrantPermission g) {
            Role role = existingRole(roles, g.role());
            List<Permission> perms = new ArrayList<>(role.permissions());
            perms.removeIf(p -> p.range().equals(g.permission().range()));
            perms.add(g.permission());
            perms.sort(KEY_ORDER);
            roles.put(role.name(), new Role(role.name(), perms));
        } else if (command instanceof AuthCommand.RoleRevokePermission r) {
            Role role = existingRole(roles, r.role());
            List<Permission> perms = new ArrayList<>(role.permissions());
            if (!perms.removeIf(p -> p.range().equals(r.range()))) {
                throw refused(ErrorCode.PERMISSION_NOT_GRANTED);
            }
            roles.put(role.name(), new Role(role.name(), perms));
        } else {
            throw new IllegalArgumentException("unknown auth command " + command);
        }
        return new AuthState(s.enabled(), next, s.tokenKey(), users, roles);
    }

    private static User existingUser(Map<String, User> users, String name) {
        User u = users.get(name);
        if (u == null) {
            throw refused(ErrorCode.USER_NOT_FOUND);
        }
        return u;
    }

    private static Role existingRole(Map<String, Role> roles, String name) {
        Role r = roles.get(name);
        if (r == null) {
            throw refused(ErrorCode.ROLE_NOT_FOUND);
        }
        return r;
    }

    private static void requireName(String name, ErrorCode ifEmpty) {
        if (name == null || name.isEmpty()) {
            throw refused(ifEmpty);
        }
    }

    private static StorageException refused(ErrorCode code) {
        return new StorageException(code);
    }
}
