package raftkv.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import raftkv.common.Threads;

/**
 * The read barriers: when a read started now may be served from this member's store. A linearizable read waits for a
 * ReadIndex round, shared by concurrent reads ({@link ReadIndexBatcher}); a serializable read is served at once,
 * unless this member answered a write it has not applied yet. Also the lease questions (renew, time to live), which
 * only the leader's lease clocks answer. Thread-safe: called from request threads; rounds begin and end on the
 * {@code raftkv-read-index} thread it owns.
 */
public final class Reads implements AutoCloseable {

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final int selfId;
    private final RaftClient client;
    private final Leadership leadership;
    private final KvStateMachine stateMachine;
    /** The highest log index whose writes this member answered from the leader's reply (see EntrySender). */
    private final LongSupplier answeredIndex;
    private final RaftMetrics metrics;
    private final long timeoutMs;
    private final ExecutorService rounds = java.util.concurrent.Executors.newSingleThreadExecutor(
            Threads.daemon("raftkv-read-index"));
    private final ReadIndexBatcher batcher;
    private final ClientId readClientId = ClientId.randomId();
    private final AtomicLong readCallId = new AtomicLong();

    Reads(RaftServer server, RaftGroupId groupId, int selfId, RaftClient client, Leadership leadership,
          KvStateMachine stateMachine, LongSupplier answeredIndex, RaftMetrics metrics, EmptyEntries emptyEntries,
          ScheduledExecutorService timer, Duration requestTimeout) {
        this.server = server;
        this.groupId = groupId;
        this.selfId = selfId;
        this.client = client;
        this.leadership = leadership;
        this.stateMachine = stateMachine;
        this.answeredIndex = answeredIndex;
        this.metrics = metrics;
        this.timeoutMs = requestTimeout.toMillis();
        this.batcher = new ReadIndexBatcher(this::readIndex, metrics, () -> !leadership.isLeader(),
                () -> emptyEntries.append(EmptyEntries.Reason.READ_INDEX), timer, rounds);
        leadership.onNewLeader(batcher::leaderChanged);
    }

    /** Completes when a linearizable read started now may read the local store. */
    public CompletableFuture<Void> linearizable() {
        return batcher.await().orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Completes when a serializable read started now may read the local store: at once, unless this member answered
     * a write it has not applied yet (from the leader's reply); then after a ReadIndex round, so that a client sees
     * its own writes on the member it wrote through, as with etcd, where a member answers only what it applied.
     */
    public CompletableFuture<Void> serializable() {
        var applied = stateMachine.getLastAppliedTermIndex();
        if (applied == null || applied.getIndex() >= answeredIndex.getAsLong()) {
            return CompletableFuture.completedFuture(null);
        }
        metrics.serializableWaits.inc();
        return linearizable();
    }

    /** Asks the leader's lease clock: renew (keepalive) or time-to-live. */
    public CompletableFuture<Query.LeaseState> leaseQuery(Query q) {
        // Straight to the leader this member knows, unordered: the client's own idea of the leader may still be
        // the dead one after a failover, and an ordered read waits behind any request stuck there (seen: 6 s, more
        // than a short lease's TTL).
        Message m = Message.valueOf(UnsafeByteOperations.unsafeWrap(Query.encode(q)));
        int leader = leadership.leaderId();
        return (leader == 0 ? client.async().sendReadOnlyUnordered(m)
                : client.async().sendReadOnlyUnordered(m, Ratis.peerId(leader)))
                .thenApply(reply -> Query.decodeState(Ratis.checkReply(reply).getMessage().getContent().toByteArray()))
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /**
     * One ReadIndex round, straight into this member's Raft server (leader or follower) rather than through the
     * Ratis client: no gRPC round trip to itself, and none of the client's failure handling, which waits out its
     * request timeout and then closes its channel to this member, blocking the calling thread for a second more.
     * Called on the read-index thread only: the submission blocks until the server has taken the request.
     */
    private CompletableFuture<RaftClientReply> readIndex() {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(readClientId)
                .setServerId(Ratis.peerId(selfId))
                .setGroupId(groupId)
                .setCallId(readCallId.incrementAndGet())
                .setMessage(Message.EMPTY)
                .setType(RaftClientRequest.readRequestType())
                .build();
        try {
            return server.submitClientRequestAsync(request).thenApply(Ratis::checkReply);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() {
        rounds.shutdownNow();
    }
}
