package raftkv.server.ops;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import raftkv.raft.watch.WatchHub;
import raftkv.raft.watch.WatchMessage;
import raftkv.raft.watch.WatchSpec;
import raftkv.raft.watch.Watcher;
import raftkv.storage.Event;
import raftkv.storage.KeyRange;

/**
 * A watch the server keeps for itself on this member's {@link WatchHub}, where etcd's lock and election servers
 * watch through their in-process client: a waiter's watch on the key ahead of it, an observer's on the leader's
 * key. The hub delivers this member's applied changes from the start revision on, in order and without gaps.
 *
 * <p>The listener runs on the hub's dispatcher thread: it must not block, and work beyond a few field updates
 * belongs on the node's work pool. It is told each message's events, and once that the hub dropped the watch
 * (history compacted, say): the owner then reads the store again and watches anew. A message may still arrive
 * after {@link #close()} if the dispatcher was already delivering it; owners ignore it.
 */
final class KeyWatch implements AutoCloseable {

    interface Listener {
        /** Events of one or more whole revisions, in order; {@code revision} is the store revision they speak for. */
        void onEvents(List<Event> events, long revision);

        /** The hub dropped the watch: nothing more comes. */
        void onLost();
    }

    private final WatchHub hub;
    private final Listener listener;
    private volatile Watcher watcher;
    private volatile boolean closed;

    private KeyWatch(WatchHub hub, WatchSpec spec, Listener listener) {
        this.hub = hub;
        this.listener = listener;
        this.watcher = hub.watch(0, spec, this::offer);
        if (closed) {
            hub.cancel(watcher); // closed by its own listener before the hub's answer got here
        }
    }

    /** Watches {@code range} from {@code fromRevision}, puts and deletes (each filtered out on request). */
    static KeyWatch start(WatchHub hub, KeyRange range, long fromRevision, boolean noPut, boolean noDelete,
            Listener listener) {
        return new KeyWatch(hub, new WatchSpec(range, fromRevision, false, noPut, noDelete, false), listener);
    }

    /**
     * Calls {@code then} once, when {@code key} is deleted at {@code fromRevision} or later, or when the hub drops
     * the watch (the caller cannot tell the key is still there, so it looks again).
     */
    static KeyWatch untilDeleted(WatchHub hub, byte[] key, long fromRevision, Runnable then) {
        AtomicBoolean fired = new AtomicBoolean();
        Runnable once = () -> {
            if (fired.compareAndSet(false, true)) {
                then.run();
            }
        };
        return start(hub, KeyRange.single(key), fromRevision, true, false, new Listener() {
            @Override
            public void onEvents(List<Event> events, long revision) {
                once.run();
            }

            @Override
            public void onLost() {
                once.run();
            }
        });
    }

    /** The hub's sink, on its dispatcher thread. Always takes the message: what a watch here gets is small. */
    private boolean offer(WatchMessage m) {
        if (closed || m.created()) {
            return true;
        }
        if (m.canceled()) {
            listener.onLost();
        } else if (!m.events().isEmpty()) {
            listener.onEvents(m.events(), m.revision());
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        Watcher w = watcher;
        if (w != null) {
            hub.cancel(w);
        }
    }
}
