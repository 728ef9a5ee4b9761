package raftkv.storage.auth;

import raftkv.storage.KeyRange;

/**
 * A change to the users, roles and permissions, as etcd's auth requests: replicated, and applied by every member
 * alike by {@link AuthState#apply}. Whatever is random or slow is decided by the proposer before it proposes: the
 * bcrypt hash of a password, the key that signs tokens.
 */
public sealed interface AuthCommand {

    /** Turns authentication on; {@code tokenKey} signs every token from now until it is turned off. */
    record Enable(byte[] tokenKey) implements AuthCommand {
        @Override
        public String toString() {
            return "Enable";
        }
    }

    record Disable() implements AuthCommand {
    }

    /** Adds a user; {@code passwordHash} is empty for a user without a password. */
    record UserAdd(String name, String passwordHash) implements AuthCommand {
        @Override
        public String toString() {
            return "UserAdd[" + name + "]";
        }
    }

    record UserDelete(String name) implements AuthCommand {
    }

    record UserChangePassword(String name, String passwordHash) implements AuthCommand {
        @Override
        public String toString() {
            return "UserChangePassword[" + name + "]";
        }
    }

    record UserGrantRole(String user, String role) implements AuthCommand {
    }

    record UserRevokeRole(String user, String role) implements AuthCommand {
    }

    record RoleAdd(String name) implements AuthCommand {
    }

    record RoleDelete(String name) implements AuthCommand {
    }

    record RoleGrantPermission(String role, Permission permission) implements AuthCommand {
    }

    record RoleRevokePermission(String role, KeyRange range) implements AuthCommand {
    }
}
