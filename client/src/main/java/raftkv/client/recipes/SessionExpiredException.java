package raftkv.client.recipes;

/**
 * The session's lease expired (or was revoked) while it waited for a lock or a leadership: its key is gone, so it
 * holds nothing, although its turn came. As etcd's {@code ErrSessionExpired}: create a new session and try again.
 */
public final class SessionExpiredException extends RuntimeException {

    public SessionExpiredException(String message) {
        super(message);
    }
}
