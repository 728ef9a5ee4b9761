package raftkv.client;

import java.util.List;
import java.util.function.BiFunction;

/**
 * etcd's authentication errors, by the message the gateway sends ({@code rpctypes} in etcd), and the exception each
 * becomes. Messages rather than codes decide, as elsewhere in {@link RaftKvException#of}: the codes are shared
 * (InvalidArgument and FailedPrecondition cover most of them).
 */
final class AuthErrors {

    private AuthErrors() {
    }

    private record Rule(String message, BiFunction<Integer, String, RaftKvException> exception) {
    }

    private static final List<Rule> RULES = List.of(
            new Rule("invalid auth token", RaftKvException.Unauthenticated::new),
            new Rule("revision of auth store is old", RaftKvException.Unauthenticated::new),
            new Rule("user name is empty", RaftKvException.Unauthenticated::new),
            new Rule("authentication failed", RaftKvException.AuthFailed::new),
            new Rule("permission denied", (code, m) -> new RaftKvException.PermissionDenied(m)),
            new Rule("authentication is not enabled", (code, m) -> new RaftKvException.AuthNotEnabled(m)),
            new Rule("user name not found", RaftKvException.AuthStoreRefused::new),
            new Rule("role name not found", RaftKvException.AuthStoreRefused::new),
            new Rule("user name already exists", RaftKvException.AuthStoreRefused::new),
            new Rule("role name already exists", RaftKvException.AuthStoreRefused::new),
            new Rule("root user does not exist", RaftKvException.AuthStoreRefused::new),
            new Rule("root user does not have root role", RaftKvException.AuthStoreRefused::new),
            new Rule("permission not given", RaftKvException.AuthStoreRefused::new),
            new Rule("role is not granted to the user", RaftKvException.AuthStoreRefused::new),
            new Rule("permission is not granted to the role", RaftKvException.AuthStoreRefused::new),
            new Rule("invalid auth management", RaftKvException.AuthStoreRefused::new));

    /** The exception for an auth error answer; null when {@code message} is not one. */
    static RaftKvException of(int code, String message) {
        for (Rule r : RULES) {
            if (message.contains(r.message())) {
                return r.exception().apply(code, message);
            }
        }
        if (code == 16) {
            return new RaftKvException.Unauthenticated(code, message);
        }
        return code == 7 ? new RaftKvException.PermissionDenied(message) : null;
    }
}
