package raftkv.server.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.watch.WatchHub;
import raftkv.raft.watch.WatchMessage;
import raftkv.raft.watch.WatchSink;
import raftkv.raft.watch.WatchSpec;
import raftkv.raft.watch.Watcher;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.storage.KeyRange;
import raftkv.storage.StorageException;

/**
 * The watches of one client stream, whichever protocol carries it (gRPC's {@code Watch}, the JSON API's
 * {@code /v3/watch}): what a create, a cancel and a progress request do, in the order the client sent them, as
 * etcd's watch server does them. A watch is created after a ReadIndex round, as a linearizable read: "from now"
 * then includes every write acknowledged before the request, and a start revision compacted anywhere in the
 * cluster is seen as compacted here. Ids are the client's or the next free one; a duplicate is refused as etcd
 * refuses it. When the stream ends, {@link #close} cancels every watch it has, and one still waiting for its round
 * is never made.
 *
 * <p>Threads: the protocol calls {@link #create}, {@link #cancel} and {@link #requestProgress} from one thread at a
 * time, in arrival order; their effects run on {@code executor}, one after another in that order (each waits for the
 * one before). The hub's dispatcher thread delivers watch messages to {@link Replies}; {@link #close} may come from
 * any thread.
 */
public final class WatchSession {

    private static final Logger log = LoggerFactory.getLogger(WatchSession.class);

    /** A reader that lets more than this pile up unread has its watches cancelled (the hub's slow-reader rule). */
    public static final long MAX_PENDING_BYTES = 8L << 20;
    /** etcd's {@code mvcc.ErrWatcherDuplicateID}, the reason a create with an id in use is refused. */
    public static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
    /** etcd's {@code clientv3.InvalidWatchID}: the id a refused create is answered with. */
    private static final long NO_WATCH = -1;

    /** Where the protocol renders what the stream is told. */
    public interface Replies {
        /**
         * A message for the client: the hub's (created, events, progress, cancelled by the hub), and the session's own
         * answers (a cancel, a refused create). {@code fragment}: the watch asked for large responses in fragments.
         * Returns false when the reader has too much unread; a cancellation must be taken even then.
         */
        boolean offer(WatchMessage message, boolean fragment);

        /** A create whose ReadIndex round failed (no leader, timeout): no watch was made. */
        void createFailed(long watchId, Throwable cause);
    }

    private final Node node;
    private final WatchHub hub;
    private final Replies replies;
    private final Executor executor;
    /** The live watches by id. Changed by the effects, by the dispatcher (a watch the hub cancelled) and by close. */
    private final Map<Long, Watcher> watchers = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** The effects of the stream's messages, chained in arrival order; owned by the protocol's calling thread. */
    private CompletableFuture<Void> effects = CompletableFuture.completedFuture(null);
    /** etcd's next server-chosen id; owned by the effects. */
    private long nextId;

    /** Whom the stream's watches are for: each create is checked for READ over its keys. */
    private final Credentials who;

    public WatchSession(Node node, Replies replies, Executor executor, Credentials who) {
        this.node = node;
        this.who = who;
        this.hub = node.raft().watches();
        this.replies = replies;
        this.executor = executor;
    }

    /**
     * What a create asks for, checked as etcd checks it: an empty key is etcd's smallest key, as etcd treats it (its
     * clients send it for "every key", with range end {@code \0}); a negative start revision or watch id is refused.
     */
    public static WatchSpec spec(byte[] key, byte[] rangeEnd, long startRevision, long watchId, boolean prevKv,
            boolean noPut, boolean noDelete, boolean progressNotify, String at) {
        if (startRevision < 0) {
            throw invalid(at + "start_revision", "must not be negative, got " + startRevision);
        }
        if (watchId < 0) {
            throw invalid(at + "watch_id", "must not be negative, got " + watchId);
        }
        return new WatchSpec(new KeyRange(key == null ? new byte[0] : key, rangeEnd), startRevision, prevKv, noPut,
                noDelete, progressNotify);
    }

    private static ApiError.ApiException invalid(String field, String why) {
        return new ApiError.ApiException(ApiError.badRequest("field \"" + field + "\": " + why));
    }

    /** Creates a watch ({@code watchId} 0: the server chooses); completes when that took effect. */
    public CompletableFuture<Void> create(WatchSpec spec, long watchId, boolean fragment) {
        return then(node.raft().reads().linearizable(), failure -> {
            if (closed) {
                return;
            }
            if (failure != null) {
                replies.createFailed(watchId, failure);
                return;
            }
            try {
                node.guard().checkWatch(who, spec.range());
            } catch (StorageException e) {
                // etcd answers a watch it may not create as created and cancelled at once, with its auth error.
                replies.offer(new WatchMessage(NO_WATCH, node.store().revision(), List.of(), true, true, 0,
                        e.code().message()), false);
                return;
            }
            long id = watchId != 0 ? watchId : nextFreeId();
            if (watchers.containsKey(id)) {
                replies.offer(new WatchMessage(NO_WATCH, node.store().revision(), List.of(),
                        true, true, 0, DUPLICATE_ID), false);
                return;
            }
            Delivery d = new Delivery(fragment);
            synchronized (d) {
                d.watcher = hub.watch(id, spec, d);
                watchers.put(id, d.watcher);
            }
            if (closed && watchers.remove(id, d.watcher)) {
                hub.cancel(d.watcher); // the stream ended meanwhile, and close did not see this one
            }
        });
    }

    private long nextFreeId() {
        while (watchers.containsKey(nextId)) {
            nextId++;
        }
        return nextId++;
    }

    /** Cancels a watch; answered (current revision, canceled) only if the stream had it, as etcd answers. */
    public CompletableFuture<Void> cancel(long watchId) {
        return then(CompletableFuture.completedFuture(null), failure -> {
            Watcher w = watchers.remove(watchId);
            if (w != null) {
                hub.cancel(w);
                replies.offer(new WatchMessage(watchId, node.store().revision(), List.of(), false, true, 0, null),
                        false);
            }
        });
    }

    /** Asks for one progress notification for the whole stream, as {@link WatchHub#requestStreamProgress} says. */
    public CompletableFuture<Void> requestProgress() {
        return then(CompletableFuture.completedFuture(null), failure ->
                hub.requestStreamProgress(this, new ArrayList<>(watchers.values())));
    }

    /** Runs {@code action} on the executor once every request so far has taken effect. */
    public CompletableFuture<Void> whenDone(Runnable action) {
        return then(CompletableFuture.completedFuture(null), failure -> action.run());
    }

    /** The live watches: made, and neither cancelled by the client nor ended by the hub. */
    public int watchCount() {
        return watchers.size();
    }

    /** Runs {@code effect} on the executor once {@code after} and every earlier effect are done. */
    private CompletableFuture<Void> then(CompletableFuture<?> after, Consumer<Throwable> effect) {
        CompletableFuture<Throwable> outcome = after.handle((v, e) -> e);
        effects = effects.thenCombineAsync(outcome, (v, failure) -> {
            effect.accept(failure);
            return (Void) null;
        }, executor).exceptionally(e -> {
            log.error("watch stream request failed", e);
            return null;
        });
        return effects;
    }

    /** The stream ended: cancels every watch; effects still to come make none. Any thread, more than once. */
    public void close() {
        closed = true;
        for (Watcher w : watchers.values()) {
            if (watchers.remove(w.id(), w)) {
                hub.cancel(w);
            }
        }
    }

    /** One watch's sink: forgets the watch when the hub cancels it (compaction, slow reader). */
    private final class Delivery implements WatchSink {
        private final boolean fragment;
        /** Set under this object's lock before the dispatcher can call {@link #offer} (which takes it to read). */
        private Watcher watcher;

        Delivery(boolean fragment) {
            this.fragment = fragment;
        }

        @Override
        public boolean offer(WatchMessage m) {
            if (m.canceled()) {
                Watcher w;
                synchronized (this) {
                    w = watcher;
                }
                watchers.remove(w.id(), w);
            }
            return replies.offer(m, fragment);
        }
    }
}
