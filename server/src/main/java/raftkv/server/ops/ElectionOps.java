package raftkv.server.ops;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.storage.KeyRange;
import raftkv.storage.KeyValue;
import raftkv.storage.auth.Permission;
import raftkv.storage.request.Compare;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.TxnRequest;

/**
 * etcd's leader election as its v3election server serves it (clientv3 concurrency's Election): candidates of
 * election {@code name} wait in its {@link WaitingLine} with their proposal as their key's value; the first in
 * line leads. A leadership is named by its key and the key's create revision, and every change a leader makes is a
 * txn guarded by that revision, so a leader whose key went with its lease changes nothing.
 *
 * <p>Nothing here blocks: callers get futures, completed on the thread that completes the last step (see
 * {@link WaitingLine}). {@link #observe} hands a stream to a {@link LeaderObserver}.
 */
public final class ElectionOps {

    /** A leadership: the election, the leader's key, its create revision and lease. */
    public record Leadership(byte[] name, byte[] key, long revision, long lease) {
    }

    /** A leadership won, and the store revision it was seen won at (for the response header). */
    public record Won(Leadership leadership, long revision) {
    }

    /** The current leader's key-value, and the revision it was read at. */
    public record Leader(KeyValue kv, long revision) {
    }

    private final Node node;
    private final KvOps kv;

    public ElectionOps(Node node) {
        this.node = node;
        this.kv = new KvOps(node);
    }

    /**
     * Campaigns in election {@code name} with {@code value}, for {@code lease} (0: a lease of etcd's session TTL is
     * granted for it); answers once the campaign leads. A lease already in line keeps its place and proclaims
     * {@code value} if its key holds another. Fails with {@link ApiError#electionNotLeader()} if the lease ends
     * before it leads (etcd would answer a leadership already lost); a caller that leaves, or a failed wait,
     * resigns.
     */
    public CompletableFuture<Won> campaign(Caller caller, Credentials who, byte[] name, long lease, byte[] value) {
        byte[] prefix = WaitingLine.prefix(name);
        node.guard().checkKeys(who, Permission.Type.READWRITE, KeyRange.prefix(prefix));
        // The wait may outlast the caller's token: it, and the cleanup after it, act as the user resolved now.
        Credentials as = node.guard().resolved(who);
        WaitingLine line = new WaitingLine(node, as);
        return line.lease(lease).thenCompose(id -> line.join(prefix, id, value).thenCompose(place ->
                candidate(caller, as, line, prefix, new Leadership(name, place.key(), place.revision(), id), place,
                        value)));
    }

    /** A candidate in line: a key already there with another value gets {@code value} first, as etcd's does. */
    private CompletableFuture<Won> candidate(Caller caller, Credentials who, WaitingLine line, byte[] prefix,
            Leadership mine, WaitingLine.Place place, byte[] value) {
        if (place.created() || Arrays.equals(place.value(), value)) {
            return lead(caller, who, line, prefix, mine, place);
        }
        return proclaim(who, mine, value).<CompletableFuture<Won>>handle((rev, e) -> e == null
                ? lead(caller, who, line, prefix, mine, place) : resignThenFail(who, mine, e)).thenCompose(f -> f);
    }

    private CompletableFuture<Won> lead(Caller caller, Credentials who, WaitingLine line, byte[] prefix,
            Leadership mine, WaitingLine.Place place) {
        if (caller.gone()) {
            return resignThenFail(who, mine, new ApiError.ApiException(ApiError.cancelled()));
        }
        if (place.first()) {
            return CompletableFuture.completedFuture(new Won(mine, place.headerRevision()));
        }
        return line.awaitTurn(caller, prefix, place).<CompletableFuture<Won>>handle((turn, e) -> {
            if (e != null) {
                return resignThenFail(who, mine, e);
            }
            if (!turn.held()) {
                return CompletableFuture.failedFuture(new ApiError.ApiException(ApiError.electionNotLeader()));
            }
            return CompletableFuture.completedFuture(new Won(mine, turn.revision()));
        }).thenCompose(f -> f);
    }

    /** Sets the leader's value, if {@code l} is still the leader key's generation; answers the header revision. */
    public CompletableFuture<Long> proclaim(Credentials who, Leadership l, byte[] value) {
        TxnRequest t = new TxnRequest(List.of(Compare.createRevision(l.key(), Compare.Result.EQUAL, l.revision())),
                List.of(new PutRequest(l.key(), value, l.lease(), false, false, false)), List.of());
        return kv.txn(who, t).thenApply(w -> {
            if (!w.response().succeeded()) {
                throw new ApiError.ApiException(ApiError.electionNotLeader());
            }
            return w.revision();
        });
    }

    /**
     * Deletes the leader key if {@code l} is still its generation. As etcd's, a leadership already gone resigns
     * without error. Answers the header revision.
     */
    public CompletableFuture<Long> resign(Credentials who, Leadership l) {
        return new WaitingLine(node, who).leave(l.key(), l.revision());
    }

    /** The leader of election {@code name}; fails with {@link ApiError#electionNoLeader()} when none. */
    public CompletableFuture<Leader> leader(Credentials who, byte[] name) {
        return new WaitingLine(node, who).firstInLine(WaitingLine.prefix(name)).thenApply(r -> {
            if (r.kvs().isEmpty()) {
                throw new ApiError.ApiException(ApiError.electionNoLeader());
            }
            return new Leader(r.kvs().get(0), r.revision());
        });
    }

    /**
     * Follows election {@code name}: {@code onLeader} gets the current leader and each change of leader or value;
     * {@code onFailure} once, if a read fails. Nothing happens until {@link LeaderObserver#start()}.
     */
    public LeaderObserver observe(Credentials who, byte[] name, Consumer<Leader> onLeader,
                                  Consumer<Throwable> onFailure) {
        byte[] prefix = WaitingLine.prefix(name);
        node.guard().checkKeys(who, Permission.Type.READ, KeyRange.prefix(prefix));
        return new LeaderObserver(node, new WaitingLine(node, node.guard().resolved(who)), prefix, onLeader,
                onFailure);
    }

    private <T> CompletableFuture<T> resignThenFail(Credentials who, Leadership l, Throwable failure) {
        return resign(who, l).handle((rev, e) -> null).thenCompose(x -> CompletableFuture.failedFuture(failure));
    }
}
