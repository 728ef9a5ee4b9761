package raftkv.server.ops;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.storage.KeyValue;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RangeResponse;
import raftkv.storage.request.TxnRequest;
import raftkv.storage.request.TxnResponse;

/**
 * The waiting line under etcd's locks and elections (clientv3's concurrency package, which etcd's v3lock and
 * v3election servers run in process): each caller puts one key {@code <name>/<lease id in hex>} attached to its
 * lease; the key's create revision is its place; the key with the lowest create revision holds the lock or leads;
 * a waiter watches only the key just ahead of its own, for its deletion, so that a release wakes one waiter.
 *
 * <p>Everything goes through {@link KvOps} (Raft-batched txns, ReadIndex reads) and {@link LeaseOps}, as a
 * client's requests do, and waiting is a pair of watches on this member's watch hub, never a poll. Methods return
 * at once; their futures complete on the thread that completes the operation below (a Raft apply or reply
 * thread, or the work pool after a ReadIndex round); a wait resumes on the node's work pool after a watch fires.
 */
public final class WaitingLine {

    /** What etcd's servers grant a request that names no lease: a session TTL of 60 s, never kept alive. */
    static final long SESSION_TTL_SECONDS = 60;

    /**
     * A caller's place in a line.
     *
     * @param revision       the create revision of its key: its place, and the fencing token of its hold
     * @param value          the key's value when it joined (a key already there keeps its own)
     * @param created        whether joining created the key (false: the lease was in line already)
     * @param first          whether it was first in line when it joined
     * @param headerRevision the store revision the join was answered at
     */
    record Place(byte[] key, long revision, byte[] value, boolean created, boolean first, long headerRevision) {
    }

    /** How a wait ended: first in line (with the revision it was seen at), or with its key gone with its lease. */
    record Turn(boolean held, long revision) {
    }

    private final Node node;
    private final KvOps kv;
    private final LeaseOps leases;
    /** Whom the line's reads and writes are made for: the caller's own permissions apply to them. */
    private final Credentials who;

    WaitingLine(Node node, Credentials who) {
        this.node = node;
        this.kv = new KvOps(node);
        this.leases = new LeaseOps(node);
        this.who = who;
    }

    /** The key prefix of lock or election {@code name}: etcd appends "/" always, even to a name ending in one. */
    static byte[] prefix(byte[] name) {
        byte[] p = Arrays.copyOf(name, name.length + 1);
        p[name.length] = '/';
        return p;
    }

    /** The caller's key: the lease id as Go's {@code %x} writes it (lower-case hex, a minus sign if negative). */
    static byte[] key(byte[] prefix, long lease) {
        byte[] id = Long.toString(lease, 16).getBytes(StandardCharsets.US_ASCII);
        byte[] k = Arrays.copyOf(prefix, prefix.length + id.length);
        System.arraycopy(id, 0, k, prefix.length, id.length);
        return k;
    }

    /** The lease a request acts under: its own, or for 0 a new one, as etcd's servers make for it. */
    CompletableFuture<Long> lease(long lease) {
        if (lease != 0) {
            return CompletableFuture.completedFuture(lease);
        }
        return leases.grant(who, SESSION_TTL_SECONDS, 0).thenApply(LeaseOps.Granted::id);
    }

    /**
     * Puts the lease's key under {@code prefix} with {@code value} unless it is there, and reads the first in line,
     * in one txn: an uncontended caller learns it is first without another round.
     */
    CompletableFuture<Place> join(byte[] prefix, long lease, byte[] value) {
        byte[] key = key(prefix, lease);
        TxnRequest t = new TxnRequest(List.of(Compare.createRevision(key, Compare.Result.EQUAL, 0)),
                List.of(new PutRequest(key, value, lease, false, false, false), first(prefix)),
                List.of(RangeRequest.of(key).build(), first(prefix)));
        return kv.txn(who, t).thenApply(w -> {
            TxnResponse r = w.response();
            List<KeyValue> owner = range(r, 1).kvs();
            long rev;
            byte[] current;
            if (r.succeeded()) {
                rev = w.revision();
                current = value;
            } else {
                KeyValue mine = range(r, 0).kvs().get(0);
                rev = mine.createRevision();
                current = mine.value();
            }
            boolean first = owner.isEmpty() || owner.get(0).createRevision() == rev;
            return new Place(key, rev, current, r.succeeded(), first, w.revision());
        });
    }

    /** The first in line under {@code prefix} (none: an empty list), read linearizably. */
    CompletableFuture<RangeResponse> firstInLine(byte[] prefix) {
        return kv.range(who, first(prefix));
    }

    private static RangeRequest first(byte[] prefix) {
        return RangeRequest.of(prefix).prefix().sort(RangeRequest.SortTarget.CREATE, RangeRequest.SortOrder.ASCEND)
                .limit(1).build();
    }

    /**
     * Waits until no key created before {@code place} remains under {@code prefix}. Ends early, not held, if the
     * place's own key goes first (its lease expired or was revoked). Fails if a read fails, or with
     * {@link ApiError#cancelled()} when the caller leaves; the key is left where it is either way.
     */
    CompletableFuture<Turn> awaitTurn(Caller caller, byte[] prefix, Place place) {
        Wait w = new Wait(caller, prefix, place);
        w.look();
        return w.done;
    }

    /** Deletes the place's key if it is still the one of that place; answers the revision for the header. */
    CompletableFuture<Long> leave(byte[] key, long revision) {
        TxnRequest t = new TxnRequest(List.of(Compare.createRevision(key, Compare.Result.EQUAL, revision)),
                List.of(DeleteRangeRequest.of(key)), List.of());
        return kv.txn(who, t).thenApply(Written::revision);
    }

    private static RangeResponse range(TxnResponse r, int i) {
        return (RangeResponse) r.responses().get(i);
    }

    /**
     * One caller's wait. Each round reads, at one revision, its own key and the key just ahead of it; then
     * watches both from the next revision and, when either is deleted, reads again. State is guarded by this;
     * watch callbacks come on the hub's dispatcher and hand the next round to the work pool.
     */
    private final class Wait {
        final CompletableFuture<Turn> done = new CompletableFuture<>();
        private final byte[] prefix;
        private final Place place;
        /** Null until the caller took it, and for a caller that had left already. */
        private volatile Runnable forgetCaller;
        // guarded by this
        private final List<KeyWatch> watches = new ArrayList<>(2);

        Wait(Caller caller, byte[] prefix, Place place) {
            this.prefix = prefix;
            this.place = place;
            this.forgetCaller = caller.onLeave(() -> end(null, new ApiError.ApiException(ApiError.cancelled())));
        }

        void look() {
            if (done.isDone()) {
                return;
            }
            RangeRequest mine = RangeRequest.of(place.key()).build();
            // Created before this place: the newest of them is the one just ahead.
            RangeRequest ahead = RangeRequest.of(prefix).prefix()
                    .createRevisionBetween(0, Math.max(1, place.revision() - 1))
                    .sort(RangeRequest.SortTarget.CREATE, RangeRequest.SortOrder.DESCEND).limit(1).build();
            CompletableFuture<Written<TxnResponse>> read;
            try {
                read = kv.txn(who, new TxnRequest(List.of(), List.of(mine, ahead), List.of()));
            } catch (RuntimeException e) {
                read = CompletableFuture.failedFuture(e);
            }
            read.whenComplete((w, e) -> {
                if (e != null) {
                    end(null, e);
                    return;
                }
                List<KeyValue> own = range(w.response(), 0).kvs();
                List<KeyValue> before = range(w.response(), 1).kvs();
                if (own.isEmpty() || own.get(0).createRevision() != place.revision()) {
                    end(new Turn(false, w.revision()), null);
                } else if (before.isEmpty() || before.get(0).createRevision() >= place.revision()) {
                    end(new Turn(true, w.revision()), null);
                } else {
                    watch(before.get(0).key(), w.revision() + 1);
                }
            });
        }

        private synchronized void watch(byte[] aheadKey, long from) {
            if (finished || done.isDone()) {
                return; // end() ran, or runs now: a watch made here would outlive it
            }
            AtomicBoolean woken = new AtomicBoolean();
            Runnable again = () -> {
                if (woken.compareAndSet(false, true)) {
                    closeWatches();
                    node.work().execute(this::look);
                }
            };
            watches.add(KeyWatch.untilDeleted(node.raft().watches(), aheadKey, from, again));
            watches.add(KeyWatch.untilDeleted(node.raft().watches(), place.key(), from, again));
        }

        /** Set by {@link #end} before it closes the watches; guarded by this wait's monitor. */
        private boolean finished;

        private synchronized void closeWatches() {
            watches.forEach(KeyWatch::close);
            watches.clear();
        }

        private void end(Turn turn, Throwable failure) {
            synchronized (this) {
                finished = true;
            }
            closeWatches();
            Runnable forget = forgetCaller;
            if (forget != null) {
                forget.run();
            }
            if (failure != null) {
                done.completeExceptionally(failure);
            } else {
                done.complete(turn);
            }
        }
    }
}
