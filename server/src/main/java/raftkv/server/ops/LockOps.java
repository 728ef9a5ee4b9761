package raftkv.server.ops;

import java.util.concurrent.CompletableFuture;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.storage.KeyRange;
import raftkv.storage.auth.Permission;
import raftkv.storage.request.DeleteRangeRequest;

/**
 * etcd's distributed lock as its v3lock server serves it (clientv3 concurrency's Mutex): the holder of lock
 * {@code name} is the first in its {@link WaitingLine}; {@code lock} answers once the caller is. The key it
 * answers exists for as long as the lock is held, and its create revision fences writes made under the lock.
 *
 * <p>Nothing here blocks: callers get futures, completed on the thread that completes the last step (see
 * {@link WaitingLine}). A caller that leaves while waiting has its key deleted, as etcd's server does when the
 * request's context is cancelled.
 */
public final class LockOps {

    private static final byte[] NO_VALUE = new byte[0];

    /** A lock held: its key, and the store revision it was found held at (for the response header). */
    public record Acquired(byte[] key, long revision) {
    }

    private final Node node;
    private final KvOps kv;

    public LockOps(Node node) {
        this.node = node;
        this.kv = new KvOps(node);
    }

    /**
     * Takes lock {@code name} for {@code lease} (0: a lease of etcd's session TTL is granted for it). A lease in
     * line already keeps its place: locking twice with one lease is one acquisition. Fails with
     * {@link ApiError#sessionExpired()} if the lease ends before the lock is held.
     */
    public CompletableFuture<Acquired> lock(Caller caller, Credentials who, byte[] name, long lease) {
        byte[] prefix = WaitingLine.prefix(name);
        node.guard().checkKeys(who, Permission.Type.READWRITE, KeyRange.prefix(prefix));
        // The wait may outlast the caller's token: it, and the cleanup after it, act as the user resolved now.
        WaitingLine line = new WaitingLine(node, node.guard().resolved(who));
        return line.lease(lease).thenCompose(id -> line.join(prefix, id, NO_VALUE)).thenCompose(place -> {
            if (caller.gone()) {
                return leaveThenFail(line, place, new ApiError.ApiException(ApiError.cancelled()));
            }
            if (place.first()) {
                return CompletableFuture.completedFuture(new Acquired(place.key(), place.headerRevision()));
            }
            return line.awaitTurn(caller, prefix, place).handle((turn, e) -> {
                if (e != null) {
                    return leaveThenFail(line, place, e);
                }
                if (!turn.held()) {
                    return CompletableFuture.<Acquired>failedFuture(new ApiError.ApiException(
                            ApiError.sessionExpired()));
                }
                return CompletableFuture.completedFuture(new Acquired(place.key(), turn.revision()));
            }).thenCompose(f -> f);
        });
    }

    /** Releases a lock by deleting its key; answers the revision for the header. */
    public CompletableFuture<Long> unlock(Credentials who, byte[] key) {
        return kv.deleteRange(who, DeleteRangeRequest.of(key)).thenApply(Written::revision);
    }

    /** Leaves the line (the caller is gone, or the wait failed), then answers the wait's failure. */
    private static CompletableFuture<Acquired> leaveThenFail(WaitingLine line, WaitingLine.Place place,
                                                           Throwable failure) {
        return line.leave(place.key(), place.revision()).handle((rev, e) -> null)
                .thenCompose(x -> CompletableFuture.failedFuture(failure));
    }
}
