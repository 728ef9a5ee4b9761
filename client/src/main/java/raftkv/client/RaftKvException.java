package raftkv.client;

/**
 * An error the cluster reported, or that kept a request from completing. {@link #code()} is the gRPC status code the
 * node answered with (as etcd's), or -1 for a failure on the way. Subclasses name the cases callers act upon.
 */
public class RaftKvException extends RuntimeException {

    private final int code;

    public RaftKvException(int code, String message) {
        this(code, message, null);
    }

    public RaftKvException(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The revision asked for has been compacted away. */
    public static final class Compacted extends RaftKvException {
        public Compacted(String message) {
            super(11, message);
        }
    }

    /** The revision asked for is above the store's current revision. */
    public static final class FutureRevision extends RaftKvException {
        public FutureRevision(String message) {
            super(11, message);
        }
    }

    /** The lease does not exist: never granted, expired or revoked. */
    public static final class LeaseNotFound extends RaftKvException {
        public LeaseNotFound(String message) {
            super(5, message);
        }
    }

    /** A member's store is over its quota (the NOSPACE alarm): writes are refused until it is disarmed. */
    public static final class NoSpace extends RaftKvException {
        public NoSpace(String message) {
            super(8, message);
        }
    }

    /** The request was malformed or its arguments are out of range; it changed nothing. */
    public static final class InvalidArgument extends RaftKvException {
        public InvalidArgument(int code, String message) {
            super(code, message);
        }
    }

    /** No endpoint could serve the request before the deadline (nodes down, no leader); it changed nothing. */
    public static final class Unavailable extends RaftKvException {
        public Unavailable(String message, Throwable cause) {
            super(14, message, cause);
        }
    }

    /**
     * A write may or may not have been applied: it reached a node, and then the node or the connection failed before
     * the answer came. The client never retries such a write on its own; read the key to find out.
     */
    public static final class OutcomeUnknown extends RaftKvException {
        public OutcomeUnknown(String message, Throwable cause) {
            super(-1, message, cause);
        }
    }

    /** The user name or password was refused ({@code authentication failed}); retrying with them cannot succeed. */
    public static final class AuthFailed extends RaftKvException {
        public AuthFailed(int code, String message) {
            super(code, message);
        }
    }

    /**
     * The request carried no valid token: none while authentication is enabled, one the cluster no longer knows
     * (expired), or one older than the last change of users, roles or permissions. A client with credentials renews
     * its token and sends the request once more before reporting this; it changed nothing.
     */
    public static final class Unauthenticated extends RaftKvException {
        public Unauthenticated(int code, String message) {
            super(code, message);
        }
    }

    /** The authenticated user's roles do not allow the request on those keys (or it needs the root role). */
    public static final class PermissionDenied extends RaftKvException {
        public PermissionDenied(String message) {
            super(7, message);
        }
    }

    /** Authentication is not enabled, and the request needs it (authenticate, and nothing else the client sends). */
    public static final class AuthNotEnabled extends RaftKvException {
        public AuthNotEnabled(String message) {
            super(9, message);
        }
    }

    /**
     * A change of users, roles or permissions refused as the auth store stands: a user or role not found or already
     * there, a role or permission not granted, no root user (or one without the root role) when enabling, or a change
     * that would lock root out. It changed nothing.
     */
    public static final class AuthStoreRefused extends RaftKvException {
        public AuthStoreRefused(int code, String message) {
            super(code, message);
        }
    }

    /**
     * The TLS handshake with every endpoint failed: an untrusted or mismatched server certificate, or a client
     * certificate the server refused. Retrying cannot help until the certificates or the trust settings change.
     */
    public static final class TlsHandshakeFailed extends RaftKvException {
        public TlsHandshakeFailed(String message, Throwable cause) {
            super(-1, message, cause);
        }
    }

    /** Maps a node's error answer ({@code code}, {@code message}, HTTP {@code status}) to its exception. */
    static RaftKvException of(int httpStatus, int code, String message) {
        String m = message == null ? "HTTP " + httpStatus : message;
        if (m.contains("required revision has been compacted")) {
            return new Compacted(m);
        }
        if (m.contains("required revision is a future revision")) {
            return new FutureRevision(m);
        }
        if (m.contains("requested lease not found")) {
            return new LeaseNotFound(m);
        }
        RaftKvException auth = AuthErrors.of(code, m);
        if (auth != null) {
            return auth;
        }
        if (code == 8 || httpStatus == 429) {
            return new NoSpace(m);
        }
        if (code == 14 || httpStatus >= 500) {
            // The node could not serve it now (no leader, a timeout, a fault): another node may.
            return new Unavailable(m, null);
        }
        if (httpStatus >= 400 && httpStatus < 500) {
            return new InvalidArgument(code, m);
        }
        return new RaftKvException(code, m);
    }
}
