package raftkv.server.ops;

import java.util.ArrayList;
import java.util.List;

/**
 * The client an operation that waits (a lock, a campaign) acts for, and whether it is still there: etcd's request
 * context, whose cancellation its lock and election servers obey by dropping their watches and deleting the key
 * they were waiting with.
 *
 * <p>The protocol layer calls {@link #leave()} when the client cancels its call or its deadline passes (gRPC runs
 * its cancel handler on the call's executor, the node's work pool). Whoever waits on the client's behalf says how
 * to stop with {@link #onLeave}; those stops run on the thread that calls {@code leave}, so they must not block.
 */
public final class Caller {

    // guarded by this
    private final List<Runnable> stops = new ArrayList<>();
    private boolean gone;

    /** The client went away: runs every stop registered, once. */
    public void leave() {
        List<Runnable> now;
        synchronized (this) {
            if (gone) {
                return;
            }
            gone = true;
            now = List.copyOf(stops);
            stops.clear();
        }
        now.forEach(Runnable::run);
    }

    public synchronized boolean gone() {
        return gone;
    }

    /**
     * Runs {@code stop} when the client leaves, or at once if it has left. The handle returned forgets it, for a
     * wait that ended otherwise.
     */
    Runnable onLeave(Runnable stop) {
        synchronized (this) {
            if (!gone) {
                stops.add(stop);
                return () -> forget(stop);
            }
        }
        stop.run();
        return () -> { };
    }

    private synchronized void forget(Runnable stop) {
        stops.remove(stop);
    }
}
