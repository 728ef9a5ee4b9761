package raftkv.raft;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import raftkv.storage.StoreConfig;

/**
 * Everything a {@link RaftNode} needs, independent of how it was configured (the server maps its YAML here). Built
 * with {@link #builder}: the identity of the member is required, every tuning value has a named default.
 *
 * @param clusterName       names the Raft group: members of one cluster share it
 * @param selfId            this member's id, one of {@code peers}
 * @param raftDir           Ratis' storage (log, snapshots)
 * @param store             the MVCC store's configuration
 * @param electionTimeout   minimum election timeout; the maximum is twice this
 * @param snapshotThreshold entries applied between snapshots
 * @param purgeGap          log entries purged at a time behind a snapshot
 * @param requestTimeout    how long a proposal may take end to end
 * @param maxBatchCount     client requests carried by one Raft entry at the most
 * @param maxBatchBytes     encoded size of one entry's requests at the most (a single larger request goes alone)
 * @param maxInFlight       entries this member has on their way into the log at once; more requests wait and batch
 * @param logSegmentBytes   size of a Raft log segment; only whole closed segments are purged
 * @param watchProgressInterval how often watchers that asked for it are told the current revision
 * @param joining           this member joins a running cluster: it starts with no peers and waits to be added
 * @param peerTls           mutual TLS between members, or null for plaintext
 */
public record RaftNodeOptions(String clusterName, int selfId, List<Peer> peers, Path raftDir, StoreConfig store,
                              Duration electionTimeout, long snapshotThreshold, int purgeGap,
                              Duration requestTimeout, int maxBatchCount, int maxBatchBytes, int maxInFlight,
                              long logSegmentBytes, Duration watchProgressInterval, boolean joining,
                              PeerTls peerTls) {

    public static final Duration DEFAULT_ELECTION_TIMEOUT = Duration.ofMillis(1000);
    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 50_000;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_BATCH_COUNT = 1024;
    public static final int DEFAULT_MAX_BATCH_BYTES = 4 << 20;
    /**
     * Eight. One carried 1.5-2.5x the puts at 16 to 256 in flight (docs/benchmarks.md, issue 18), but with one, an
     * entry stuck in the Ratis client's retries holds up every later write of its member, and a one-member node
     * under heavy load applied nothing for a minute (LeaseClockStepTest); not adopted until that is bounded.
     */
    public static final int DEFAULT_MAX_IN_FLIGHT = 8;
    public static final long DEFAULT_LOG_SEGMENT_BYTES = 8L << 20;
    public static final Duration DEFAULT_WATCH_PROGRESS_INTERVAL = Duration.ofMinutes(10);

    /** A member: its id, Raft address ({@code host:port}) and client URL. */
    public record Peer(int id, String raftAddress, String clientUrl) {
    }

    /**
     * Mutual TLS between members: this member's certificate ({@code keyManager}) and the CAs that verify the others'
     * ({@code trustManager}). Every member-to-member channel uses them: appends, votes, snapshot installs, and the
     * client that carries a follower's entries to the leader. Managers, not files, so that the caller can swap the
     * material behind them while the member runs.
     */
    public record PeerTls(KeyManager keyManager, TrustManager trustManager) {
        public PeerTls {
            Objects.requireNonNull(keyManager, "keyManager");
            Objects.requireNonNull(trustManager, "trustManager");
        }
    }

    public RaftNodeOptions {
        Objects.requireNonNull(clusterName, "clusterName");
        peers = List.copyOf(peers);
        Objects.requireNonNull(raftDir, "raftDir");
        Objects.requireNonNull(store, "store");
    }

    public Peer self() {
        return peers.stream().filter(p -> p.id() == selfId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("member " + selfId + " is not among the peers"));
    }

    /**
     * Options for member {@code selfId} of cluster {@code clusterName}, whose members are {@code peers}, keeping its
     * Raft log in {@code raftDir} and its store as {@code store} says; the rest starts at the defaults.
     */
    public static Builder builder(String clusterName, int selfId, List<Peer> peers, Path raftDir, StoreConfig store) {
        return new Builder(clusterName, selfId, peers, raftDir, store);
    }

    /** Sets the tuning values by name; see the record's parameters for what each means. */
    public static final class Builder {
        private final String clusterName;
        private final int selfId;
        private final List<Peer> peers;
        private final Path raftDir;
        private final StoreConfig store;
        private Duration electionTimeout = DEFAULT_ELECTION_TIMEOUT;
        private long snapshotThreshold = DEFAULT_SNAPSHOT_THRESHOLD;
        private int purgeGap = -1;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxBatchCount = DEFAULT_MAX_BATCH_COUNT;
        private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private long logSegmentBytes = DEFAULT_LOG_SEGMENT_BYTES;
        private Duration watchProgressInterval = DEFAULT_WATCH_PROGRESS_INTERVAL;
        private boolean joining;
        private PeerTls peerTls;

        private Builder(String clusterName, int selfId, List<Peer> peers, Path raftDir, StoreConfig store) {
            this.clusterName = clusterName;
            this.selfId = selfId;
            this.peers = peers;
            this.raftDir = raftDir;
            this.store = store;
        }

        public Builder electionTimeout(Duration d) {
            this.electionTimeout = d;
            return this;
        }

        public Builder snapshotThreshold(long entries) {
            this.snapshotThreshold = entries;
            return this;
        }

        /** Entries purged at a time behind a snapshot; by default half the snapshot threshold, within 1..1024. */
        public Builder purgeGap(int entries) {
            this.purgeGap = entries;
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = d;
            return this;
        }

        public Builder maxBatchCount(int requests) {
            this.maxBatchCount = requests;
            return this;
        }

        public Builder maxBatchBytes(int bytes) {
            this.maxBatchBytes = bytes;
            return this;
        }

        public Builder maxInFlight(int entries) {
            this.maxInFlight = entries;
            return this;
        }

        public Builder logSegmentBytes(long bytes) {
            this.logSegmentBytes = bytes;
            return this;
        }

        public Builder watchProgressInterval(Duration d) {
            this.watchProgressInterval = d;
            return this;
        }

        public Builder joining(boolean joining) {
            this.joining = joining;
            return this;
        }

        /** Mutual TLS between members; null (the default) for plaintext. */
        public Builder peerTls(PeerTls tls) {
            this.peerTls = tls;
            return this;
        }

        public RaftNodeOptions build() {
            int gap = purgeGap > 0 ? purgeGap : (int) Math.max(1, Math.min(1024, snapshotThreshold / 2));
            return new RaftNodeOptions(clusterName, selfId, peers, raftDir, store, electionTimeout,
                    snapshotThreshold, gap, requestTimeout, maxBatchCount, maxBatchBytes, maxInFlight,
                    logSegmentBytes, watchProgressInterval, joining, peerTls);
        }
    }
}
