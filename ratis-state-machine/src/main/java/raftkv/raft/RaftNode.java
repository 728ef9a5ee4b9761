package raftkv.raft;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;
import raftkv.raft.watch.WatchHub;
import raftkv.storage.MvccStore;

/**
 * One member of a raftkv cluster: a Ratis server running {@link KvStateMachine}, wired to the parts clients use.
 * This class only builds, starts and stops them:
 *
 * <ul>
 *   <li>{@link #writes()}: commands batched into entries and carried into the log (on the leader straight into its
 *       Raft server; on a follower through a Ratis client, which finds the leader).</li>
 *   <li>{@link #reads()}: the linearizable and serializable read barriers, and the lease questions.</li>
 *   <li>{@link #membership()}: the members, configuration changes and leadership transfer.</li>
 *   <li>{@link Leadership}, {@link EmptyEntries}, {@link LeaseKeeper}, {@link CommitAnnouncer} and
 *       {@link RatisWorkarounds} run inside, on the {@code raftkv-raft-nudger} and {@code raftkv-lease-keeper}
 *       threads.</li>
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
    private final RaftMetrics metrics;
    private final Leadership leadership;
    private final EntrySender sender;
    private final Writes writes;
    private final Reads reads;
    private final Membership membership;
    private final LeaseKeeper leaseKeeper;
    private final CommitAnnouncer commitAnnouncer;
    private final RatisWorkarounds workarounds;
    /** Runs the periodic checks: workarounds, commit announcements, read-index nudges. */
    private final ScheduledExecutorService nudger = Executors.newSingleThreadScheduledExecutor(
            Threads.daemon("raftkv-raft-nudger"));
    private final CompletableFuture<Throwable> failure = new CompletableFuture<>();
    private volatile boolean closing;

    private RaftNode(RaftNodeOptions options, MetricRegistry registry, MonotonicClock clock) throws IOException {
        this.options = options;
        this.metrics = new RaftMetrics(registry);
        this.group = Membership.groupOf(options);
        PendingProposals pending = new PendingProposals(metrics.proposeToOutcome);
        this.leadership = new Leadership(this::ratisLeaderId);
        this.stateMachine = new KvStateMachine(options.store(), pending, metrics, options.selfId(),
                options.snapshotThreshold(), options.watchProgressInterval(), clock, leadership);
        registerGauges(registry, pending, stateMachine.watches());
        Parameters parameters = RatisSettings.parameters(options); // null without peer TLS: Ratis' defaults
        this.server = RaftServer.newBuilder()
                .setServerId(Ratis.peerId(options.selfId()))
                .setGroup(options.joining() ? Membership.joiningGroup(group, options.selfId()) : group)
                .setStateMachine(stateMachine)
                .setProperties(RatisSettings.server(options))
                .setParameters(parameters)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        this.client = RaftClient.newBuilder()
                .setRaftGroup(group)
                .setClientId(ClientId.randomId())
                .setProperties(RatisSettings.client(options))
                .setParameters(parameters)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) Math.max(10, options.requestTimeout().toMillis() / 100),
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
        this.sender = new EntrySender(server, group.getGroupId(), Ratis.peerId(options.selfId()), client, leadership,
                pending, metrics, options.requestTimeout(), options.maxInFlight() + 1, this::learnCommitIndex);
        EmptyEntries emptyEntries = new EmptyEntries(sender::submitEmpty, metrics.emptyEntries, System::nanoTime,
                options.requestTimeout());
        this.writes = new Writes(new ProposalBatcher(pending, sender::submit, metrics, options.maxInFlight(),
                options.maxBatchCount(), options.maxBatchBytes()), pending, sender, options.requestTimeout());
        this.reads = new Reads(server, group.getGroupId(), options.selfId(), client, leadership, stateMachine,
                sender::answeredIndex, metrics, emptyEntries, nudger, options.requestTimeout());
        this.membership = new Membership(server, group.getGroupId(), options.selfId(), client, reads::linearizable);
        this.commitAnnouncer = new CommitAnnouncer(() -> emptyEntries.append(EmptyEntries.Reason.END_OF_BURST));
        this.leaseKeeper = new LeaseKeeper(stateMachine::store, leadership::leaderTerm, clock,
                writes::proposeExpiry);
        this.workarounds = new RatisWorkarounds(server, group.getGroupId(), leadership, emptyEntries, membership,
                stateMachine, metrics, options.electionTimeout(), failure, () -> closing);
    }

    /** A follower whose write the leader committed but did not answer learns the commit index by a read round. */
    private void learnCommitIndex() {
        reads.linearizable();
    }

    private static void registerGauges(MetricRegistry registry, PendingProposals pending, WatchHub watches) {
        registry.register("raftkv_raft_proposals_pending", (Gauge<Integer>) pending::size);
        registry.register("raftkv_watch_watchers", (Gauge<Integer>) watches::watchers);
        registry.register("raftkv_watch_events_sent_total", (Gauge<Long>) watches::eventsSent);
        registry.register("raftkv_watch_slow_cancels_total", (Gauge<Long>) watches::slowCancels);
    }

    /** Starts the member: opens (or recovers) its storage and joins the group. */
    public static RaftNode start(RaftNodeOptions options, MetricRegistry registry) {
        try {
            RaftNode node = new RaftNode(options, registry, MonotonicClock.SYSTEM);
            // Before the server starts: it replays the log at once, and that may already fail.
            node.stateMachine.failed().thenAccept(node.failure::complete);
            node.server.start();
            long every = Math.max(500, 2 * options.electionTimeout().toMillis());
            node.nudger.scheduleWithFixedDelay(node.workarounds::nudgeLaggingFollowers, every, every,
                    TimeUnit.MILLISECONDS);
            node.leaseKeeper.start();
            node.nudger.scheduleWithFixedDelay(node.workarounds::checkAlive, 500, 500, TimeUnit.MILLISECONDS);
            node.nudger.scheduleWithFixedDelay(node::announceCommit, 5, 5, TimeUnit.MILLISECONDS);
            log.info("member {} of cluster '{}' started: raft {}, group {}", options.selfId(),
                    options.clusterName(), options.self().raftAddress(), node.group.getGroupId());
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start member " + options.selfId(), e);
        }
    }

    /** Runs on the nudger thread every few milliseconds; see {@link CommitAnnouncer}. */
    private void announceCommit() {
        try {
            RaftServer.Division d = server.getDivision(group.getGroupId());
            commitAnnouncer.tick(leadership.isLeader(), d.getRaftLog().getLastCommittedIndex(),
                    d.getRaftLog().getNextIndex() - 1);
        } catch (IOException | RuntimeException e) {
            log.debug("commit announcement skipped", e);
        }
    }

    public Writes writes() {
        return writes;
    }

    public Reads reads() {
        return reads;
    }

    public Membership membership() {
        return membership;
    }

    Leadership leadership() {
        return leadership;
    }

    public WatchHub watches() {
        return stateMachine.watches();
    }

    public MvccStore store() {
        return stateMachine.store();
    }

    public RaftMetrics metrics() {
        return metrics;
    }

    public int memberId() {
        return options.selfId();
    }

    /** A stable 64-bit id of the cluster, from its name (the Raft group id). */
    public long clusterId() {
        return group.getGroupId().getUuid().getMostSignificantBits() & Long.MAX_VALUE;
    }

    /** The member id of the leader this member knows, 0 when none. */
    public int leaderId() {
        return leadership.leaderId();
    }

    private int ratisLeaderId() {
        try {
            return Ratis.memberIdOf(server.getDivision(group.getGroupId()).getInfo().getLeaderId());
        } catch (IOException e) {
            return 0;
        }
    }

    public NodeStatus status() {
        try {
            RaftServer.Division d = server.getDivision(group.getGroupId());
            DivisionInfo info = d.getInfo();
            return new NodeStatus(options.selfId(), Ratis.memberIdOf(info.getLeaderId()), info.getCurrentTerm(),
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

    @Override
    public void close() {
        closing = true;
        leaseKeeper.close();
        nudger.shutdownNow();
        reads.close();
        membership.close();
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
