package raftkv.server.auth;

import java.nio.charset.StandardCharsets;
import raftkv.storage.KeyRange;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.auth.AuthState;
import raftkv.storage.auth.Permission;

/** Auth states for the server's auth tests, built by commands as the store builds them. */
final class AuthStates {

    static final byte[] KEY = "a key of thirty-two bytes, or so".getBytes(StandardCharsets.UTF_8);

    private AuthStates() {
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Root; alice may read and write {@code app/}, read {@code config}, write {@code log/}; auth on. */
    static AuthState enabled(byte[] key) {
        return AuthState.INITIAL
                .apply(new AuthCommand.UserAdd(AuthState.ROOT, "rootHash"))
                .apply(new AuthCommand.RoleAdd(AuthState.ROOT))
                .apply(new AuthCommand.UserGrantRole(AuthState.ROOT, AuthState.ROOT))
                .apply(new AuthCommand.UserAdd("alice", "aliceHash"))
                .apply(new AuthCommand.RoleAdd("app"))
                .apply(new AuthCommand.RoleGrantPermission("app",
                        new Permission(Permission.Type.READWRITE, KeyRange.prefix(b("app/")))))
                .apply(new AuthCommand.RoleGrantPermission("app",
                        new Permission(Permission.Type.READ, KeyRange.single(b("config")))))
                .apply(new AuthCommand.RoleGrantPermission("app",
                        new Permission(Permission.Type.WRITE, KeyRange.prefix(b("log/")))))
                .apply(new AuthCommand.UserGrantRole("alice", "app"))
                .apply(new AuthCommand.Enable(key));
    }

    static AuthState enabled() {
        return enabled(KEY);
    }
}
