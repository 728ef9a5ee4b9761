package raftkv.raft;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;

/**
 * Carries this member's entries into the Raft log and answers their proposals from the leader's reply when it can.
 *
 * <p>Sends use blocking calls on a few dedicated threads, one per entry in flight, not Ratis' async client: its
 * async writes are ordered per client, so one request stuck on a dead leader holds up every later one (seen as 3 s
 * stalls after failovers), and our entries need no order among themselves.
 *
 * <p>Thread-safe: any thread submits; the sender threads do the rest.
 */
final class EntrySender implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(EntrySender.class);

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final RaftPeerId self;
    private final RaftClient client;
    private final Leadership leadership;
    private final PendingProposals pending;
    private final RaftMetrics metrics;
    private final Duration timeout;
    /** Makes the leader tell this follower the commit index now (a ReadIndex round); see {@link #submit}. */
    private final Runnable learnCommitIndex;
    private final ExecutorService threads;
    /** The client id and call ids of entries this member submits to its own Raft server while it leads. */
    private final ClientId directClientId = ClientId.randomId();
    private final AtomicLong directCallId = new AtomicLong();
    /** The highest entry this member answered from the leader's reply, perhaps before applying it itself. */
    private final AtomicLong answeredIndex = new AtomicLong();

    EntrySender(RaftServer server, RaftGroupId groupId, RaftPeerId self, RaftClient client,
                Leadership leadership, PendingProposals pending, RaftMetrics metrics, Duration timeout,
                int threadCount, Runnable learnCommitIndex) {
        this.server = server;
        this.groupId = groupId;
        this.self = self;
        this.client = client;
        this.leadership = leadership;
        this.pending = pending;
        this.metrics = metrics;
        this.timeout = timeout;
        this.learnCommitIndex = learnCommitIndex;
        this.threads = Executors.newFixedThreadPool(threadCount, Threads.daemonPool("raftkv-proposer"));
    }

    /**
     * Sends an entry holding the proposals {@code seqs} into the log. The leader's reply carries their outcomes when
     * this member is a follower ({@link ResultCodec}): they answer the clients here at once. Without them (a reply
     * replayed from the retry cache of a member that was a follower when it applied the entry, or an alarm) the
     * clients wait for this member's own apply.
     */
    CompletableFuture<?> submit(byte[] entry, long[] seqs) {
        return submit(entry, seqs, true);
    }

    /**
     * Sends an entry into this member's own Raft server while it leads, and fails otherwise: never to another
     * member. For decisions only a leader may take on its own view (a lease expiry on its clock), which a deposed
     * leader must not hand to its successor.
     */
    CompletableFuture<?> submitAsLeader(byte[] entry, long[] seqs) {
        return submit(entry, seqs, false);
    }

    private CompletableFuture<?> submit(byte[] entry, long[] seqs, boolean forward) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                RaftClientReply reply = Ratis.checkReply(send(Message.valueOf(
                        UnsafeByteOperations.unsafeWrap(entry)), forward));
                if (seqs.length > 0 && !answer(seqs, reply) && !leadership.isLeader()) {
                    // Committed, but a follower learns of it only with the leader's next append or heartbeat, half
                    // an election timeout away when idle. A ReadIndex round makes the leader send that heartbeat
                    // now (seen: follower writes took 530 ms; see ReadIndexBatcher for when it does not).
                    learnCommitIndex.run();
                }
                return reply;
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, threads);
    }

    /** Sends an entry that carries no request (see {@link EmptyEntries}, which decides when). */
    CompletableFuture<?> submitEmpty() {
        return submit(EntryCodec.encodeEntry(pending.proposer(), new long[0], List.of()), new long[0]);
    }

    /** The highest log index whose proposals this member answered from the leader's reply. */
    long answeredIndex() {
        return answeredIndex.get();
    }

    /**
     * Sends an entry: straight into this member's Raft server while it leads (no gRPC round trip to itself, which
     * cost CPU and about a tenth of a millisecond per entry), else through the Ratis client, which finds the leader.
     * A direct submission refused because the new leader is not ready yet goes through the client instead; one
     * that fails otherwise is not resent: the entry may already be in the log (a leader that steps down fails its
     * pending requests with "not leader" too), and a resend under another call id would escape Ratis' retry cache
     * and could apply twice. Its clients learn the outcome is unknown, as etcd's do when the leader changes under
     * their request. With {@code forward} false the entry never leaves this member.
     */
    private RaftClientReply send(Message entry, boolean forward) throws IOException {
        if (!leadership.isLeader()) {
            if (!forward) {
                throw new IOException("not the leader: an entry only a leader may propose was dropped");
            }
            return client.io().send(entry);
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(directClientId)
                .setServerId(self)
                .setGroupId(groupId)
                .setCallId(directCallId.incrementAndGet())
                .setMessage(entry)
                .setType(RaftClientRequest.writeRequestType())
                .build();
        RaftClientReply reply;
        try {
            reply = server.submitClientRequestAsync(request).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while proposing");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no answer from the Raft server within " + timeout, e);
        }
        if (forward && reply.getException() instanceof LeaderNotReadyException) {
            // A new leader refuses writes, before appending them, until it has committed an entry of its term; the
            // client waits for that (or finds the next leader).
            return client.io().send(entry);
        }
        return reply;
    }

    /** Completes the proposals the reply answers; whether it answered all of them. */
    private boolean answer(long[] seqs, RaftClientReply reply) {
        byte[] content = reply.getMessage() == null ? new byte[0] : reply.getMessage().getContent().toByteArray();
        if (content.length == 0) {
            return false;
        }
        List<ApplyOutcome> outcomes;
        try {
            outcomes = ResultCodec.decode(content);
        } catch (EntryCodec.MalformedEntryException e) {
            log.warn("the leader's answer to entry {} does not decode ({}); waiting for the local apply",
                    reply.getLogIndex(), e.getMessage());
            return false;
        }
        if (outcomes.size() != seqs.length) {
            log.warn("the leader answered {} proposals of entry {} holding {}; waiting for the local apply",
                    outcomes.size(), reply.getLogIndex(), seqs.length);
            return false;
        }
        // Before any client hears of it: a serializable read that follows an answer must find the floor raised.
        answeredIndex.accumulateAndGet(reply.getLogIndex(), Math::max);
        boolean all = true;
        for (int i = 0; i < seqs.length; i++) {
            if (outcomes.get(i).answer(pending, seqs[i])) {
                metrics.answeredByLeader.inc();
            } else {
                all = false;
            }
        }
        return all;
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
