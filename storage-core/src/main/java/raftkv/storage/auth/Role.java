package raftkv.storage.auth;

import java.util.List;

/**
 * A named set of permissions. Kept in key order, at most one permission per key range (granting a range again
 * replaces its type), as etcd keeps them. The role named {@value AuthState#ROOT} needs no permissions: it may do
 * everything.
 */
public record Role(String name, List<Permission> permissions) {

    public Role {
        permissions = List.copyOf(permissions);
    }
}
