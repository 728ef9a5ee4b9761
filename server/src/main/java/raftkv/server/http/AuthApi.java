package raftkv.server.http;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.server.json.AuthJson;
import raftkv.server.json.Json;
import raftkv.server.json.RequestJson;
import raftkv.server.json.ResponseJson;
import raftkv.server.ops.AuthOps;
import raftkv.storage.KeyRange;
import raftkv.storage.auth.Permission;

/** {@code /v3/auth/*}: JSON in and out of {@link AuthOps}, which gRPC's Auth service shares. */
final class AuthApi {

    private final Node node;
    private final AuthOps auth;

    AuthApi(Node node) {
        this.node = node;
        this.auth = new AuthOps(node);
    }

    void register(Map<String, Endpoint> routes) {
        routes.put("/v3/auth/authenticate", this::authenticate);
        routes.put("/v3/auth/enable", (body, who) -> empty(body).thenCompose(v -> headerOnly(auth.enable(who))));
        routes.put("/v3/auth/disable", (body, who) -> empty(body).thenCompose(v -> headerOnly(auth.disable(who))));
        routes.put("/v3/auth/status", (body, who) -> empty(body).thenCompose(v -> auth.status()).thenApply(s ->
                Reply.json(new AuthJson.Status(header(), s.enabled(), s.authRevision()))));
        routes.put("/v3/auth/user/add", this::userAdd);
        routes.put("/v3/auth/user/get", (body, who) -> auth.userGet(who,
                Json.decode(body, AuthJson.UserName.class).name()).thenApply(r ->
                Reply.json(new AuthJson.Roles(header(), r))));
        routes.put("/v3/auth/user/list", (body, who) -> empty(body).thenCompose(v -> auth.userList(who))
                .thenApply(u -> Reply.json(new AuthJson.Users(header(), u))));
        routes.put("/v3/auth/user/delete", (body, who) -> headerOnly(auth.userDelete(who,
                Json.decode(body, AuthJson.UserName.class).name())));
        routes.put("/v3/auth/user/changepw", this::changePassword);
        routes.put("/v3/auth/user/grant", (body, who) -> {
            AuthJson.UserGrantRole g = Json.decode(body, AuthJson.UserGrantRole.class);
            return headerOnly(auth.userGrantRole(who, g.user(), g.role()));
        });
        routes.put("/v3/auth/user/revoke", (body, who) -> {
            AuthJson.UserRevokeRole r = Json.decode(body, AuthJson.UserRevokeRole.class);
            return headerOnly(auth.userRevokeRole(who, r.name(), r.role()));
        });
        routes.put("/v3/auth/role/add", (body, who) -> headerOnly(auth.roleAdd(who,
                Json.decode(body, AuthJson.RoleAdd.class).name())));
        routes.put("/v3/auth/role/get", (body, who) -> auth.roleGet(who,
                Json.decode(body, AuthJson.RoleName.class).role()).thenApply(perms ->
                Reply.json(new AuthJson.Perms(header(), perms.stream().map(AuthApi::json).toList()))));
        routes.put("/v3/auth/role/list", (body, who) -> empty(body).thenCompose(v -> auth.roleList(who))
                .thenApply(r -> Reply.json(new AuthJson.Roles(header(), r))));
        routes.put("/v3/auth/role/delete", (body, who) -> headerOnly(auth.roleDelete(who,
                Json.decode(body, AuthJson.RoleName.class).role())));
        routes.put("/v3/auth/role/grant", this::grantPermission);
        routes.put("/v3/auth/role/revoke", (body, who) -> {
            AuthJson.RoleRevokePermission r = Json.decode(body, AuthJson.RoleRevokePermission.class);
            return headerOnly(auth.roleRevokePermission(who, r.role(), range("key", r.key(), r.rangeEnd())));
        });
    }

    private CompletableFuture<Reply> authenticate(byte[] body, Credentials who) throws Json.BadRequest {
        AuthJson.Authenticate a = Json.decode(body, AuthJson.Authenticate.class);
        return auth.authenticate(a.name(), a.password()).thenApply(token ->
                Reply.json(new AuthJson.Token(header(), token)));
    }

    private CompletableFuture<Reply> userAdd(byte[] body, Credentials who) throws Json.BadRequest {
        AuthJson.UserAdd a = Json.decode(body, AuthJson.UserAdd.class);
        boolean noPassword = a.options() != null && Boolean.TRUE.equals(a.options().noPassword());
        return headerOnly(auth.userAdd(who, a.name(), a.password(), noPassword));
    }

    private CompletableFuture<Reply> changePassword(byte[] body, Credentials who) throws Json.BadRequest {
        AuthJson.UserChangePassword c = Json.decode(body, AuthJson.UserChangePassword.class);
        if (c.hashedPassword() != null && !c.hashedPassword().isEmpty()) {
            throw new Json.BadRequest("field \"hashedPassword\": not accepted; send the password itself, over TLS");
        }
        return headerOnly(auth.userChangePassword(who, c.name(), c.password()));
    }

    private CompletableFuture<Reply> grantPermission(byte[] body, Credentials who) throws Json.BadRequest {
        AuthJson.RoleGrantPermission g = Json.decode(body, AuthJson.RoleGrantPermission.class);
        Permission p = null;
        if (g.perm() != null) {
            Permission.Type type = g.perm().permType() == null ? Permission.Type.READ
                    : Permission.Type.valueOf(g.perm().permType().name());
            p = new Permission(type, range("perm.key", g.perm().key(), g.perm().rangeEnd()));
        }
        return headerOnly(auth.roleGrantPermission(who, g.name(), p));
    }

    private static KeyRange range(String field, byte[] key, byte[] rangeEnd) throws Json.BadRequest {
        if (key == null) {
            throw new Json.BadRequest("field \"" + field + "\": a key is required");
        }
        return new KeyRange(key, rangeEnd);
    }

    private static AuthJson.Permission json(Permission p) {
        return new AuthJson.Permission(AuthJson.PermType.valueOf(p.type().name()), p.range().key(),
                p.range().end());
    }

    /** The calls without fields take an empty body or {@code {}}. */
    private static CompletableFuture<Void> empty(byte[] body) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<Reply> headerOnly(CompletableFuture<Long> revision) {
        return revision.thenApply(rev -> Reply.json(new ResponseJson.HeaderOnly(node.header(rev))));
    }

    private ResponseJson.Header header() {
        return node.header(node.store().revision());
    }
}
