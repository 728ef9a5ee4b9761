package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's authentication: turning it on and off, users (with a password, or without one for certificate-based
 * identities) and their roles, roles and the key ranges they may read or write. Changes are writes, never retried
 * blindly; lookups are reads. Every call needs the root role once authentication is enabled. Refusals arrive as
 * {@link RaftKvException.AuthStoreRefused} (a name not found or already there...), {@link
 * RaftKvException.PermissionDenied} and {@link RaftKvException.AuthNotEnabled}.
 */
public final class AuthClient {

    private final Rpc rpc;

    AuthClient(Rpc rpc) {
        this.rpc = rpc;
    }

    /** Turns authentication on; the user {@code root} with the role {@code root} must exist. */
    public CompletableFuture<Header> enable() {
        return change("/v3/auth/enable", Rpc.object());
    }

    public CompletableFuture<Header> disable() {
        return change("/v3/auth/disable", Rpc.object());
    }

    public CompletableFuture<AuthStatus> status() {
        return rpc.call("/v3/auth/status", Rpc.object(), Rpc.Safety.SAFE, AuthStatus::of);
    }

    public CompletableFuture<Header> userAdd(String name, String password) {
        return change("/v3/auth/user/add", Rpc.object().put("name", name).put("password", password));
    }

    /** Adds a user who cannot authenticate with a password (only with a client certificate naming it). */
    public CompletableFuture<Header> userAddWithoutPassword(String name) {
        ObjectNode body = Rpc.object().put("name", name);
        body.putObject("options").put("no_password", true);
        return change("/v3/auth/user/add", body);
    }

    /** The roles of {@code name}. */
    public CompletableFuture<List<String>> userGet(String name) {
        return rpc.call("/v3/auth/user/get", Rpc.object().put("name", name), Rpc.Safety.SAFE,
                n -> strings(n.path("roles")));
    }

    public CompletableFuture<List<String>> userList() {
        return rpc.call("/v3/auth/user/list", Rpc.object(), Rpc.Safety.SAFE, n -> strings(n.path("users")));
    }

    public CompletableFuture<Header> userDelete(String name) {
        return change("/v3/auth/user/delete", Rpc.object().put("name", name));
    }

    public CompletableFuture<Header> userChangePassword(String name, String password) {
        return change("/v3/auth/user/changepw", Rpc.object().put("name", name).put("password", password));
    }

    public CompletableFuture<Header> userGrantRole(String user, String role) {
        return change("/v3/auth/user/grant", Rpc.object().put("user", user).put("role", role));
    }

    public CompletableFuture<Header> userRevokeRole(String user, String role) {
        return change("/v3/auth/user/revoke", Rpc.object().put("name", user).put("role", role));
    }

    public CompletableFuture<Header> roleAdd(String name) {
        return change("/v3/auth/role/add", Rpc.object().put("name", name));
    }

    /** The permissions of {@code role}. */
    public CompletableFuture<List<Permission>> roleGet(String role) {
        return rpc.call("/v3/auth/role/get", Rpc.object().put("role", role), Rpc.Safety.SAFE, n -> {
            List<Permission> out = new ArrayList<>();
            n.path("perm").forEach(p -> out.add(Permission.of(p)));
            return out;
        });
    }

    public CompletableFuture<List<String>> roleList() {
        return rpc.call("/v3/auth/role/list", Rpc.object(), Rpc.Safety.SAFE, n -> strings(n.path("roles")));
    }

    public CompletableFuture<Header> roleDelete(String role) {
        return change("/v3/auth/role/delete", Rpc.object().put("role", role));
    }

    public CompletableFuture<Header> roleGrantPermission(String role, Permission permission) {
        ObjectNode perm = Rpc.object().put("permType", permission.type().name())
                .put("key", Wire.b64(permission.key()));
        if (!permission.singleKey()) {
            perm.put("range_end", Wire.b64(permission.rangeEnd()));
        }
        ObjectNode body = Rpc.object().put("name", role);
        body.set("perm", perm);
        return change("/v3/auth/role/grant", body);
    }

    /** Revokes the permission of {@code role} on exactly {@code [key, rangeEnd)} (empty {@code rangeEnd}: the key). */
    public CompletableFuture<Header> roleRevokePermission(String role, byte[] key, byte[] rangeEnd) {
        ObjectNode body = Rpc.object().put("role", role).put("key", Wire.b64(key));
        if (rangeEnd != null && rangeEnd.length > 0) {
            body.put("range_end", Wire.b64(rangeEnd));
        }
        return change("/v3/auth/role/revoke", body);
    }

    /** As above, for the key and range of {@code permission} (its type does not matter). */
    public CompletableFuture<Header> roleRevokePermission(String role, Permission permission) {
        return roleRevokePermission(role, permission.key(), permission.rangeEnd());
    }

    private CompletableFuture<Header> change(String path, ObjectNode body) {
        return rpc.call(path, body, Rpc.Safety.UNSAFE, n -> Header.of(n.path("header")));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(s -> out.add(s.asText()));
        return out;
    }
}
