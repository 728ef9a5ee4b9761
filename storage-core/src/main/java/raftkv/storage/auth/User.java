package raftkv.storage.auth;

import java.util.List;

/**
 * A user: its bcrypt password hash (empty for a user created without a password, who can only be authenticated by
 * a client certificate), its roles in name order, and {@code since}, the auth revision at which it was created or its
 * password last changed. A token issued before {@code since} no longer stands for this user: deleting and
 * re-creating a user, or changing its password, ends every session it had.
 */
public record User(String name, String passwordHash, List<String> roles, long since) {

    public User {
        roles = List.copyOf(roles);
    }

    public boolean hasPassword() {
        return !passwordHash.isEmpty();
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    @Override
    public String toString() {
        // Never the hash: a toString ends up in logs.
        return "User[" + name + ", roles " + roles + ", since " + since + "]";
    }
}
