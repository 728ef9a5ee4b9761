package raftkv.server;

import com.codahale.metrics.MetricRegistry;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;
import raftkv.config.Member;
import raftkv.config.NodeConfig;
import raftkv.raft.NodeStatus;
import raftkv.raft.RaftNode;
import raftkv.raft.RaftNodeOptions;
import raftkv.server.json.ResponseJson;
import raftkv.server.tls.NodeTls;
import raftkv.storage.MvccStore;
import raftkv.storage.StoreConfig;

/**
 * A running raftkv node as the API sees it: the Raft member and its store, the configuration, the metrics, and
 * the work pool that keeps request processing off Netty's event loops.
 */
public final class Node implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Node.class);
    public static final String VERSION = "0.2.0";

    private final NodeConfig config;
    private final NodeTls tls;
    private final RaftNode raft;
    private final MetricRegistry registry;
    private final ServerMetrics metrics;
    private final ExecutorService work;
    private final java.util.concurrent.ScheduledExecutorService timers;
    private final raftkv.storage.Compactor autoCompactor;
    private final raftkv.server.auth.Passwords passwords;
    private final raftkv.server.auth.Tokens tokens;
    private final raftkv.server.auth.Guard guard;
    /** bcrypt checks of Authenticate, apart from the work pool so that a flood of logins never stalls requests. */
    private final java.util.concurrent.ThreadPoolExecutor passwordChecks;
    /** Held by the quota check (timer thread) and by defragment (a work thread). */
    private final java.util.concurrent.locks.ReentrantLock quotaLock = new java.util.concurrent.locks.ReentrantLock();

    private Node(NodeConfig config, NodeTls tls, RaftNode raft, MetricRegistry registry) {
        this.config = config;
        this.tls = tls;
        this.raft = raft;
        this.linearizableBarrier = raft.reads()::linearizable;
        this.registry = registry;
        this.metrics = new ServerMetrics(registry, this);
        int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        this.work = Executors.newFixedThreadPool(threads, Threads.daemonPool("raftkv-api"));
        this.timers = Executors.newSingleThreadScheduledExecutor(Threads.daemon("raftkv-node-timers"));
        timers.scheduleWithFixedDelay(this::checkQuota, 1, 1, TimeUnit.SECONDS);
        this.autoCompactor = autoCompactor(config);
        this.passwords = new raftkv.server.auth.Passwords(config.auth().bcryptCost());
        this.tokens = new raftkv.server.auth.Tokens(java.time.Duration.ofSeconds(config.auth().tokenTtlSeconds()),
                java.time.Clock.systemUTC());
        this.guard = new raftkv.server.auth.Guard(() -> store().auth(), tokens);
        int checkers = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        this.passwordChecks = new java.util.concurrent.ThreadPoolExecutor(checkers, checkers, 60, TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(64), Threads.daemonPool("raftkv-password-check"),
                new java.util.concurrent.ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * The automatic compaction of the configuration. Every member samples revisions; only the leader proposes,
     * through the log, so that every member compacts at the same revision.
     */
    private raftkv.storage.Compactor autoCompactor(NodeConfig c) {
        raftkv.storage.Compactor.Policy policy = switch (c.compaction().mode()) {
            case "periodic" -> new raftkv.storage.Compactor.KeepWindow(
                    raftkv.config.Durations.parse(c.compaction().retention()));
            case "revision" -> new raftkv.storage.Compactor.KeepRevisions(
                    Long.parseLong(c.compaction().retention()), Duration.ofMinutes(5));
            default -> null;
        };
        if (policy == null) {
            return null;
        }
        raftkv.storage.Compactor compactor = new raftkv.storage.Compactor(policy, () -> store().revision(),
                raftkv.raft.MonotonicClock.SYSTEM::millis, rev -> {
                    if (raft.status().isLeader() && rev > store().compactRevision()) {
                        raft.writes().propose(new raftkv.raft.Command.Compact(rev));
                    }
                });
        compactor.start();
        return compactor;
    }

    /** Starts the Raft member (and its store) described by {@code config}. */
    public static Node start(NodeConfig config) {
        MetricRegistry registry = new MetricRegistry();
        NodeTls tls = NodeTls.start(config.tls());
        try {
            return new Node(config, tls, RaftNode.start(raftOptions(config, tls), registry), registry);
        } catch (RuntimeException e) {
            tls.close();
            throw e;
        }
    }

    static RaftNodeOptions raftOptions(NodeConfig c, NodeTls tls) {
        List<RaftNodeOptions.Peer> peers = new ArrayList<>();
        for (Member m : c.cluster().members()) {
            peers.add(new RaftNodeOptions.Peer(m.id(), m.raft(), m.clientUrl()));
        }
        StoreConfig store = StoreConfig.defaults(c.node().dataPath().resolve("store"))
                .withMaxTxnOps(c.limits().maxTxnOps());
        NodeConfig.RaftSettings r = c.raft();
        return RaftNodeOptions.builder(c.cluster().name(), c.node().id(), peers, c.node().dataPath().resolve("raft"),
                        store)
                .electionTimeout(Duration.ofMillis(r.electionTimeoutMs()))
                .snapshotThreshold(r.snapshotThreshold())
                .purgeGap(r.purgeGap())
                .requestTimeout(Duration.ofMillis(r.requestTimeoutMs()))
                .maxBatchCount(r.maxBatchRequests())
                .maxBatchBytes(r.maxBatchBytes())
                .maxInFlight(r.maxEntriesInFlight())
                .logSegmentBytes(r.logSegmentBytes())
                .watchProgressInterval(Duration.ofMillis(r.watchProgressMs()))
                .joining(c.cluster().joining())
                .peerTls(tls.peer() == null ? null
                        : new RaftNodeOptions.PeerTls(tls.peer().keyManager(), tls.peerTrustManager()))
                .build();
    }

    public NodeConfig config() {
        return config;
    }

    public RaftNode raft() {
        return raft;
    }

    /** The node's TLS: the client port's context (null when plaintext) and the members' credentials. */
    public NodeTls tls() {
        return tls;
    }

    public MvccStore store() {
        return raft.store();
    }

    public ExecutorService work() {
        return work;
    }

    /** Password hashes and checks, made on this member (see {@link raftkv.server.auth.Passwords}). */
    public raftkv.server.auth.Passwords passwords() {
        return passwords;
    }

    /** Where Authenticate's bcrypt runs: a few threads, a bounded queue; a full queue refuses at once. */
    public java.util.concurrent.Executor passwordChecks() {
        return passwordChecks;
    }

    public raftkv.server.auth.Tokens tokens() {
        return tokens;
    }

    /** The permission check of every request received here. */
    public raftkv.server.auth.Guard guard() {
        return guard;
    }

    public MetricRegistry registry() {
        return registry;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    /** The response header: cluster, member, the given store revision and the current term. */
    public ResponseJson.Header header(long revision) {
        return new ResponseJson.Header(raft.clusterId(), raft.memberId(), revision, raft.status().term());
    }

    public NodeStatus status() {
        return raft.status();
    }

    /**
     * What a linearizable read waits for before it reads the local store: a ReadIndex round. Replaceable only so
     * that the fault suite can prove its checker catches stale reads (integration-tests' {@code
     * StaleFollowerReadsNode} starts nodes with a broken one); no configuration or property reaches it.
     */
    private volatile java.util.function.Supplier<java.util.concurrent.CompletableFuture<Void>> linearizableBarrier;

    /** Completes when a linearizable read started now may read the local store. */
    public java.util.concurrent.CompletableFuture<Void> linearizableBarrier() {
        return linearizableBarrier.get();
    }

    /** Replaces the linearizable read barrier; see {@link #linearizableBarrier}. Never call it outside that test. */
    public void replaceLinearizableBarrier(
            java.util.function.Supplier<java.util.concurrent.CompletableFuture<Void>> barrier) {
        log.error("TEST-ONLY BROKEN MODE: this member's linearizable reads no longer wait for a ReadIndex round as"
                + " they should, so they may be stale");
        this.linearizableBarrier = barrier;
    }

    // A cache of the leader's client URL by member id, written by request threads; a stale pair is harmless.
    private volatile LeaderUrl leaderUrl = new LeaderUrl(0, null);

    private record LeaderUrl(int id, String url) {
    }

    /** The client URL of the current leader, or null when there is none or its URL is unknown. */
    public String leaderClientUrl() {
        int leader = raft.leaderId();
        LeaderUrl cached = leaderUrl;
        if (cached.id() == leader) {
            return cached.url();
        }
        String url = null;
        for (raftkv.raft.MemberInfo m : raft.membership().members()) {
            if (m.id() == leader && !m.clientUrl().isEmpty()) {
                url = m.clientUrl();
            }
        }
        if (url != null) {
            url = clientUrlOf(url);
        }
        leaderUrl = new LeaderUrl(leader, url);
        return url;
    }

    /**
     * A member's client URL as clients must use it. The membership records host:port only (Ratis carries it), so
     * the scheme is this cluster's: https when the client port runs TLS, which every member of a cluster does alike.
     */
    public String clientUrlOf(String recorded) {
        return config.tls().clientTls() ? recorded.replaceFirst("^http://", "https://") : recorded;
    }

    /** A member's peer URL, etcd's form: its Raft address under the scheme the members talk to each other by. */
    public String peerUrlOf(raftkv.raft.MemberInfo m) {
        return (config.tls().peerTls() ? "https://" : "http://") + m.raftAddress();
    }

    /**
     * True while a NOSPACE alarm is raised anywhere in the cluster: writes that add data are refused, deletes and
     * compaction go on (etcd's behaviour). The alarm stays until it is disarmed, even once space is back.
     */
    public boolean noSpace() {
        return store().alarmed(raftkv.storage.Alarm.Type.NOSPACE);
    }

    /**
     * Raises this member's NOSPACE alarm (through the log) when its store outgrows the quota. Runs on the timer
     * thread and waits until the raise is applied, under {@link #quotaLock}: a defragment cannot start between
     * seeing the excess and the alarm being in the log, so an operator who defragments, then lists and disarms
     * the alarms, never has a stale raise land after the disarm.
     */
    private void checkQuota() {
        quotaLock.lock();
        try {
            int self = config.node().id();
            long size = dbSize();
            if (size > config.limits().quotaBytes()
                    && !store().alarms().contains(new raftkv.storage.Alarm(self, raftkv.storage.Alarm.Type.NOSPACE))) {
                log.warn("the store ({} bytes) is over its quota of {} bytes: raising the NOSPACE alarm", size,
                        config.limits().quotaBytes());
                raft.writes().propose(new raftkv.raft.Command.Alarm(self, "NOSPACE", true)).join();
            }
        } catch (RuntimeException e) {
            log.debug("quota check skipped: {}", e.toString());
        } finally {
            quotaLock.unlock();
        }
    }

    /** Defragments this member's store; see {@link #checkQuota()} for why it excludes the quota check. */
    public void defragment() {
        quotaLock.lock();
        try {
            store().defragment();
        } finally {
            quotaLock.unlock();
        }
    }

    /** The store's size on disk. */
    public long dbSize() {
        return store().dbSize();
    }

    @Override
    public void close() {
        timers.shutdownNow();
        passwordChecks.shutdownNow();
        if (autoCompactor != null) {
            autoCompactor.close();
        }
        work.shutdown();
        try {
            work.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        raft.close();
        tls.close();
        log.info("node {} stopped", config.node().id());
    }
}
