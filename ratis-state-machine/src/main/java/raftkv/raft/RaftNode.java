package raftkv.raft;

import com.codahale.metrics.MetricRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.storage.MvccStore;

/**
 * One member of a raftkv cluster: a Ratis server running {@link KvStateMachine}, plus the two paths clients use.
 *
 * <ul>
 *   <li><b>Writes</b> go through {@link #propose}: batched into entries ({@link ProposalBatcher}) and carried into
 *       the log by {@link EntrySender} (on the leader straight into its Raft server; on a follower through a Ratis
 *       client, which finds the leader, so "not leader" never reaches a user). The answer comes from the leader's
 *       apply: this member's own, or on a follower the outcomes in the leader's reply.</li>
 *   <li><b>Linearizable reads</b> wait on {@link #readBarrier} (a shared ReadIndex round through this member, leader
 *       or follower), then read the local store. Serializable reads wait on {@link #serializableBarrier}, which is
 *       nearly always done at once.</li>
 * </ul>
 *
 * <p>The Ratis defaults that are wrong for us are set in {@link RatisSettings}: linearizable reads, automatic
 * snapshots, log purge up to the snapshot even when a member is down (it then catches up by snapshot install), and
 * how soon the leader tries a failed follower again.
 */
public final class RaftNode implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(RaftNode.class);

    private final RaftNodeOptions options;
    private final RaftGroup group;
    private final RaftServer server;
    private final RaftClient client;
    private final KvStateMachine stateMachine;
    private final ProposalBatcher proposals;
    private final ReadIndexBatcher reads;
    private final RaftMetrics metrics;
    private final PendingProposals pending;
    private final java.util.concurrent.ScheduledExecutorService nudger;
    /** Begins and ends ReadIndex rounds (see {@link ReadIndexBatcher}). */
    private final java.util.concurrent.ExecutorService readRounds;
    private final EntrySender sender;
    private final LeaseKeeper leaseKeeper;
    private final CommitAnnouncer commitAnnouncer;
    private final StuckFollowerWatch stuckFollowers;
    // owned by the nudger thread
    private long lastCommitSeen = -1;
    private final CompletableFuture<Throwable> failure = new CompletableFuture<>();
    private volatile boolean closing;
    private final ClientId readClientId = ClientId.randomId();
    private final java.util.concurrent.atomic.AtomicLong readCallId = new java.util.concurrent.atomic.AtomicLong();

    private RaftNode(RaftNodeOptions options, MetricRegistry registry, MonotonicClock clock) throws IOException {
        this.options = options;
        this.metrics = new RaftMetrics(registry);
        this.group = groupOf(options);
        this.pending = new PendingProposals(metrics.proposeToOutcome);
        registry.register("raftkv_raft_proposals_pending", (com.codahale.metrics.Gauge<Integer>) pending::size);
        this.stateMachine = new KvStateMachine(options.store(), pending, metrics, options.selfId(),
                options.snapshotThreshold(), options.watchProgressInterval(), clock);
        registry.register("raftkv_watch_watchers", (com.codahale.metrics.Gauge<Integer>) () ->
                stateMachine.watches().watchers());
        registry.register("raftkv_watch_events_sent_total", (com.codahale.metrics.Gauge<Long>) () ->
                stateMachine.watches().eventsSent());
        registry.register("raftkv_watch_slow_cancels_total", (com.codahale.metrics.Gauge<Long>) () ->
                stateMachine.watches().slowCancels());
        this.server = RaftServer.newBuilder()
                .setServerId(peerId(options.selfId()))
                .setGroup(options.joining() ? joiningGroup(group, options.selfId()) : group)
                .setStateMachine(stateMachine)
                .setProperties(RatisSettings.server(options))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        this.client = RaftClient.newBuilder()
                .setRaftGroup(group)
                .setClientId(ClientId.randomId())
                .setProperties(RatisSettings.client(options))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) Math.max(10, options.requestTimeout().toMillis() / 100),
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
        RaftPeerId self = peerId(options.selfId());
        this.sender = new EntrySender(server, group.getGroupId(), self, client, stateMachine, pending, metrics,
                options.requestTimeout(), options.maxInFlight() + 1, this::learnCommitIndex);
        this.proposals = new ProposalBatcher(pending, sender::submit, metrics, options.maxInFlight(),
                options.maxBatchCount(), options.maxBatchBytes());
        this.commitAnnouncer = new CommitAnnouncer(sender::appendEmptyEntry);
        this.stuckFollowers = new StuckFollowerWatch(STUCK_FOLLOWER_WINDOW_MS,
                Math.max(1_000, options.electionTimeout().toMillis()));
        this.leaseKeeper = new LeaseKeeper(stateMachine::store, this::leaderTerm, clock, this::proposeExpiry);
        this.nudger = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "raftkv-raft-nudger");
            t.setDaemon(true);
            return t;
        });
        this.readRounds = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "raftkv-read-index");
            t.setDaemon(true);
            return t;
        });
        this.reads = new ReadIndexBatcher(this::readIndex, metrics, () -> !stateMachine.isLeader(),
                sender::appendEmptyEntry, nudger, readRounds);
        stateMachine.onLeaderChange(leader -> reads.leaderChanged());
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
                .setServerId(peerId(options.selfId()))
                .setGroupId(group.getGroupId())
                .setCallId(readCallId.incrementAndGet())
                .setMessage(Message.EMPTY)
                .setType(RaftClientRequest.readRequestType())
                .build();
        try {
            return server.submitClientRequestAsync(request).thenApply(RaftNode::checkReply);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Starts a ReadIndex round, whose heartbeat tells a follower the leader's commit index (shared by callers). With
     * the same deadline as a read: a failed round is retried for as long as someone waits on it.
     */
    private void learnCommitIndex() {
        readBarrier();
    }

    /** Starts the member: opens (or recovers) its storage and joins the group. */
    public static RaftNode start(RaftNodeOptions options, MetricRegistry registry) {
        try {
            RaftNode node = new RaftNode(options, registry, MonotonicClock.SYSTEM);
            // Before the server starts: it replays the log at once, and that may already fail.
            node.stateMachine.failed().thenAccept(node.failure::complete);
            node.server.start();
            long every = Math.max(500, 2 * options.electionTimeout().toMillis());
            node.nudger.scheduleWithFixedDelay(node::nudgeLaggingFollowers, every, every, TimeUnit.MILLISECONDS);
            node.leaseKeeper.start();
            node.nudger.scheduleWithFixedDelay(node::checkAlive, 500, 500, TimeUnit.MILLISECONDS);
            node.nudger.scheduleWithFixedDelay(node::announceCommit, 5, 5, TimeUnit.MILLISECONDS);
            log.info("member {} of cluster '{}' started: raft {}, group {}", options.selfId(),
                    options.clusterName(), options.self().raftAddress(), node.group.getGroupId());
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start member " + options.selfId(), e);
        }
    }

    /**
     * The group a joining member starts in: itself alone, as a listener. It knows no peers (the leader brings it the
     * configuration when it is added), and as a listener Ratis runs no elections for it until a configuration names
     * it a voter. Started as an empty follower instead, a member being added under heavy writes campaigned between
     * snapshot installs, found itself in no configuration, and Ratis shut its server down.
     */
    static RaftGroup joiningGroup(RaftGroup group, int selfId) {
        RaftPeer self = group.getPeer(peerId(selfId));
        if (self == null) {
            return RaftGroup.valueOf(group.getGroupId());
        }
        return RaftGroup.valueOf(group.getGroupId(), RaftPeer.newBuilder(self)
                .setStartupRole(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER).build());
    }

    static RaftGroup groupOf(RaftNodeOptions o) {
        UUID uuid = UUID.nameUUIDFromBytes(("raftkv:" + o.clusterName()).getBytes(StandardCharsets.UTF_8));
        List<RaftPeer> peers = new ArrayList<>();
        for (RaftNodeOptions.Peer p : o.peers()) {
            peers.add(peer(p.id(), p.raftAddress(), p.clientUrl(), false));
        }
        return RaftGroup.valueOf(RaftGroupId.valueOf(uuid), peers);
    }

    /**
     * A member as the Raft configuration records it. The client URL travels in the peer's data-stream address: Ratis
     * persists and replicates it with the configuration, and never uses it while its DataStream transport is off
     * (it is here), so members added at runtime need no other bookkeeping.
     */
    static RaftPeer peer(int id, String raftAddress, String clientUrl, boolean learner) {
        return RaftPeer.newBuilder().setId(peerId(id)).setAddress(raftAddress)
                .setDataStreamAddress(clientUrl.replaceFirst("^https?://", ""))
                .setStartupRole(learner ? org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER
                        : org.apache.ratis.proto.RaftProtos.RaftPeerRole.FOLLOWER)
                .build();
    }

    static RaftPeerId peerId(int id) {
        return RaftPeerId.valueOf("n" + id);
    }

    static int memberIdOf(RaftPeerId id) {
        if (id == null) {
            return 0;
        }
        try {
            return Integer.parseInt(id.toString().substring(1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static RaftClientReply checkReply(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw new CompletionException(reply.getException() != null ? reply.getException()
                    : new IOException("request failed: " + reply));
        }
        return reply;
    }

    /**
     * Works around RATIS-2523: on an idle cluster, a leader may answer a follower restarted with empty storage with
     * heartbeats only, forever (it ignores the follower's "send from index 0"). Any real append breaks the loop, so
     * when a follower lags and nothing was committed since the last check, the leader appends an empty entry.
     */
    private void nudgeLaggingFollowers() {
        try {
            RaftServer.Division d = server.getDivision(group.getGroupId());
            if (!d.getInfo().isLeader()) {
                lastCommitSeen = -1;
                stuckFollowers.reset();
                return;
            }
            long commit = d.getRaftLog().getLastCommittedIndex();
            boolean lagging = false;
            for (long match : d.getInfo().getFollowerMatchIndices()) {
                lagging |= match < commit;
            }
            boolean idle = commit == lastCommitSeen;
            lastCommitSeen = commit;
            if (lagging && idle) {
                log.debug("a follower lags behind commit index {} on an idle cluster: appending an empty entry",
                        commit);
                sender.appendEmptyEntry();
            }
            handOverIfAFollowerIsStuck(d, commit);
        } catch (IOException | RuntimeException e) {
            log.debug("follower nudge skipped", e);
        }
    }

    /** A follower whose replication stood still this long while commits went on is stuck (see StuckFollowerWatch). */
    static final long STUCK_FOLLOWER_WINDOW_MS = 10_000;

    /**
     * Runs on the nudger thread while this member leads: when Ratis has stopped replicating to a live follower (see
     * {@link StuckFollowerWatch}), hands leadership to the most advanced other live follower. The new leader
     * replicates to every follower afresh, which unsticks it; writes pause for about an election meanwhile.
     */
    private void handOverIfAFollowerIsStuck(RaftServer.Division d, long commit) {
        long[] match = d.getInfo().getFollowerMatchIndices();
        long[] next = d.getInfo().getFollowerNextIndices();
        // The same followers in the same order as the indices (Ratis lists them from its log appenders).
        var answers = d.getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
        if (match.length != next.length || match.length != answers.size()) {
            return;
        }
        List<StuckFollowerWatch.Follower> followers = new ArrayList<>();
        for (int i = 0; i < match.length; i++) {
            followers.add(new StuckFollowerWatch.Follower(memberIdOf(RaftPeerId.valueOf(answers.get(i).getId()
                    .getId())), match[i], next[i], answers.get(i).getLastRpcElapsedTimeMs()));
        }
        StuckFollowerWatch.Follower stuck = stuckFollowers.check(MonotonicClock.SYSTEM.millis(), commit,
                d.getRaftLog().getStartIndex(), followers);
        if (stuck == null) {
            return;
        }
        StuckFollowerWatch.Follower target = followers.stream()
                .filter(f -> f.id() != stuck.id() && stuckFollowers.alive(f) && f.matchIndex() > 0)
                .max(java.util.Comparator.comparingLong(StuckFollowerWatch.Follower::matchIndex)).orElse(null);
        if (target == null) {
            log.warn("replication to member {} has stood still at index {} for {} s while the commit index moved to"
                    + " {} (Ratis RATIS-2605); no other live follower to hand leadership to", stuck.id(),
                    stuck.matchIndex(), STUCK_FOLLOWER_WINDOW_MS / 1000, commit);
            return;
        }
        log.warn("replication to member {} has stood still at index {} for {} s while the commit index moved to {}"
                + " (Ratis RATIS-2605: the leader will not back off for it); handing leadership to member {} so that"
                + " a new leader replicates to it afresh", stuck.id(), stuck.matchIndex(),
                STUCK_FOLLOWER_WINDOW_MS / 1000, commit, target.id());
        metrics.stuckFollowerHandoffs.inc();
        CompletableFuture.runAsync(() -> {
            try {
                checkReply(client.admin().transferLeadership(peerId(target.id()),
                        Math.max(3_000, 6 * options.electionTimeout().toMillis())));
                log.info("handed leadership to member {}", target.id());
            } catch (IOException | RuntimeException e) {
                log.warn("handing leadership to member {} failed: {}", target.id(), e.toString());
            }
        }, sender.executor());
    }

    /** Runs on the nudger thread every few milliseconds; see {@link CommitAnnouncer}. */
    private void announceCommit() {
        try {
            RaftServer.Division d = server.getDivision(group.getGroupId());
            commitAnnouncer.tick(d.getInfo().isLeader(), d.getRaftLog().getLastCommittedIndex(),
                    d.getRaftLog().getNextIndex() - 1);
        } catch (IOException | RuntimeException e) {
            log.debug("commit announcement skipped", e);
        }
    }

    /**
     * Proposes a command; completes when this member has applied it, with its result, or exceptionally with the
     * {@link raftkv.storage.StorageException} that refused it, or with a {@link TimeoutException} when the outcome is
     * unknown after the request timeout.
     */
    public CompletableFuture<CommandResult> propose(Command command) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        proposals.propose(command, result);
        return result.orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Proposes the expiry of a lease that ran out on this leader's clock in {@code term}, in an entry of its own
     * and only into this member's Raft server: never batched with client requests, whose entries may be forwarded
     * to another leader (see {@link LeaseKeeper}).
     */
    CompletableFuture<CommandResult> proposeExpiry(long id, long term) {
        CompletableFuture<CommandResult> result = new CompletableFuture<>();
        long seq = pending.register(result);
        byte[] entry = EntryCodec.encodeEntry(pending.proposer(), new long[] {seq},
                List.of(EntryCodec.encodeCommand(new Command.LeaseExpire(id, term))));
        sender.submitAsLeader(entry, new long[] {seq}).whenComplete((r, e) -> {
            if (e != null) {
                pending.fail(seq, e);
            }
        });
        return result.orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The term this member leads, or 0 when it does not lead. The term is read on both sides of the role, so a
     * leadership won or lost in between is not mistaken for one of the wrong term.
     */
    long leaderTerm() {
        try {
            DivisionInfo info = server.getDivision(group.getGroupId()).getInfo();
            long term = info.getCurrentTerm();
            return info.isLeader() && info.getCurrentTerm() == term ? term : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** Asks the leader's lease clock: renew (keepalive) or time-to-live. */
    public CompletableFuture<Query.LeaseState> leaseQuery(Query q) {
        // Straight to the leader this member knows, unordered: the client's own idea of the leader may still be
        // the dead one after a failover, and an ordered read waits behind any request stuck there (seen: 6 s, more
        // than a short lease's TTL).
        Message m = Message.valueOf(UnsafeByteOperations.unsafeWrap(Query.encode(q)));
        int leader = status().leaderId();
        return (leader == 0 ? client.async().sendReadOnlyUnordered(m)
                : client.async().sendReadOnlyUnordered(m, peerId(leader)))
                .thenApply(reply -> Query.decodeState(checkReply(reply).getMessage().getContent().toByteArray()))
                .orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    public raftkv.raft.watch.WatchHub watches() {
        return stateMachine.watches();
    }

    /** Completes when a linearizable read started now may read the local store. */
    public CompletableFuture<Void> readBarrier() {
        return reads.await().orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Completes when a serializable read started now may read the local store: at once, unless this member answered
     * a write it has not applied yet (from the leader's reply); then after a ReadIndex round, so that a client sees
     * its own writes on the member it wrote through, as with etcd, where a member answers only what it applied.
     */
    public CompletableFuture<Void> serializableBarrier() {
        if (stateMachine.getLastAppliedTermIndex() == null
                || stateMachine.getLastAppliedTermIndex().getIndex() >= sender.answeredIndex()) {
            return CompletableFuture.completedFuture(null);
        }
        metrics.serializableWaits.inc();
        return readBarrier();
    }

    public MvccStore store() {
        return stateMachine.store();
    }

    public int memberId() {
        return options.selfId();
    }

    /** A stable 64-bit id of the cluster, from its name (the Raft group id). */
    public long clusterId() {
        return group.getGroupId().getUuid().getMostSignificantBits() & Long.MAX_VALUE;
    }

    /**
     * Promotes a learner to a voter. Ratis 3.3 keeps a promoted listener "initializing" (it never marks it caught up,
     * so the member stays STARTING and refuses linearizable reads), so the promotion takes it out of the
     * configuration and adds it back as a voter: Ratis then stages it like any new voter, which marks it caught up.
     * It keeps its log and state meanwhile, so the second step costs only what it missed.
     */
    public CompletableFuture<List<MemberInfo>> promote(int id) {
        MemberInfo[] learner = {null};
        return reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>();
            for (MemberInfo m : members) {
                if (m.id() == id && m.learner()) {
                    learner[0] = m;
                } else {
                    next.add(m);
                }
            }
            if (learner[0] == null) {
                throw new IllegalArgumentException("member " + id + " is not a learner");
            }
            return next;
        }).thenCompose(without -> reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>(members);
            next.add(new MemberInfo(id, learner[0].raftAddress(), learner[0].clientUrl(), false));
            return next;
        }));
    }

    /** The members in this member's view of the current configuration: voters first, then learners. */
    public List<MemberInfo> members() {
        try {
            var conf = server.getDivision(group.getGroupId()).getRaftConf();
            List<MemberInfo> out = new ArrayList<>();
            for (RaftPeer p : conf.getCurrentPeers()) {
                out.add(info(p, false));
            }
            for (RaftPeer p : conf.getCurrentPeers(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER)) {
                out.add(info(p, true));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MemberInfo info(RaftPeer p, boolean learner) {
        String client = p.getDataStreamAddress();
        return new MemberInfo(memberIdOf(p.getId()), p.getAddress(),
                client == null || client.isEmpty() ? "" : "http://" + client, learner);
    }

    /**
     * Changes the membership: {@code change} maps the current members (as this member sees them once it is current)
     * to the new ones. Runs Ratis' configuration change, which catches new voters up before they count.
     */
    public CompletableFuture<List<MemberInfo>> reconfigure(
            java.util.function.UnaryOperator<List<MemberInfo>> change) {
        return readBarrier().thenApplyAsync(v -> {
            List<MemberInfo> next = change.apply(members());
            List<RaftPeer> voters = new ArrayList<>();
            List<RaftPeer> learners = new ArrayList<>();
            for (MemberInfo m : next) {
                (m.learner() ? learners : voters).add(peer(m.id(), m.raftAddress(), m.clientUrl(), m.learner()));
            }
            try {
                checkReply(client.admin().setConfiguration(voters, learners));
            } catch (IOException e) {
                throw new CompletionException(e);
            }
            log.info("membership changed: voters {}, learners {}", voters, learners);
            return next;
        }, sender.executor());
    }

    public RaftMetrics metrics() {
        return metrics;
    }

    /**
     * Hands this member's leadership to the voter {@code target}, straight into this member's Raft server (which
     * must lead): Ratis catches the target up, has it campaign, and completes once it leads, or fails with its
     * {@code TransferLeadershipException} after {@code timeout}. Client requests wait meanwhile, as in etcd.
     */
    public CompletableFuture<Void> transferLeadership(int target, java.time.Duration timeout) {
        var request = new org.apache.ratis.protocol.TransferLeadershipRequest(ClientId.randomId(),
                peerId(options.selfId()), group.getGroupId(), 0, peerId(target), timeout.toMillis());
        try {
            return server.transferLeadershipAsync(request).thenApply(reply -> {
                checkReply(reply);
                return null;
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The member id of the leader this member knows, 0 when none. */
    public int leaderId() {
        try {
            return memberIdOf(server.getDivision(group.getGroupId()).getInfo().getLeaderId());
        } catch (IOException e) {
            return 0;
        }
    }

    public NodeStatus status() {
        try {
            RaftServer.Division d = server.getDivision(group.getGroupId());
            DivisionInfo info = d.getInfo();
            return new NodeStatus(options.selfId(), memberIdOf(info.getLeaderId()), info.getCurrentTerm(),
                    d.getRaftLog().getLastCommittedIndex(), info.getLastAppliedIndex(), info.isLeader(),
                    info.getCurrentRole().name());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Completes, with the cause, when this member can no longer serve correctly: its store failed (a full disk, an
     * I/O error), or Ratis stopped its server by itself (its log could not be written). The process must then stop;
     * a restart recovers from the last commit, snapshot and log.
     */
    public CompletableFuture<Throwable> failure() {
        return failure;
    }

    /**
     * Runs on the nudger thread: notices Ratis closing this member's server without being asked to, and a member
     * that can apply nothing more because Ratis lost a snapshot reload (see {@link KvStateMachine#reinitialize}):
     * its next entry is not in its log, which starts after a snapshot it never loaded. A restart loads that snapshot
     * (a store behind the newest snapshot is restored from it on start), so the member stops, saying so.
     */
    private void checkAlive() {
        if (closing || failure.isDone()) {
            return;
        }
        try {
            var division = server.getDivision(group.getGroupId());
            if (!division.getInfo().isAlive() || !division.getRaftLog().isOpened()) {
                failure.complete(new IllegalStateException("Ratis stopped this member's Raft server by itself (see"
                        + " the errors above; a Raft log that cannot be written does this)"));
                return;
            }
            long applied = division.getInfo().getLastAppliedIndex();
            long next = applied + 1;
            // Not while a snapshot is being loaded: Ratis resets the log before it asks for the reload.
            boolean gap = !stateMachine.isLoadingSnapshot()
                    && applied < division.getRaftLog().getLastCommittedIndex()
                    && division.getRaftLog().getStartIndex() > next;
            long since = lostReloadSince;
            if (!gap) {
                lostReloadSince = 0;
            } else if (since == 0) {
                lostReloadSince = System.nanoTime();
            } else if (System.nanoTime() - since > LOST_RELOAD_MS * 1_000_000) {
                failure.complete(new IllegalStateException("this member cannot apply entry " + next + ": its Raft"
                        + " log starts at " + division.getRaftLog().getStartIndex() + ", after a snapshot Ratis"
                        + " installed but did not load (two installs in a row); a restart loads it"));
            }
        } catch (IOException e) {
            failure.complete(new IllegalStateException("this member's Raft server is gone: " + e.getMessage(), e));
        }
    }

    /** How long a gap before the next entry to apply may last before the member stops (see checkAlive). */
    static final long LOST_RELOAD_MS = 10_000;
    /** When the gap was first seen, 0 when there is none. Owned by the nudger thread. */
    private long lostReloadSince;

    @Override
    public void close() {
        closing = true;
        leaseKeeper.close();
        nudger.shutdownNow();
        readRounds.shutdownNow();
        sender.close();
        try {
            client.close();
        } catch (IOException e) {
            log.warn("closing the raft client", e);
        }
        try {
            server.close();
        } catch (IOException e) {
            log.warn("closing the raft server", e);
        }
        log.info("member {} stopped", options.selfId());
    }
}
