package raftkv.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;

/**
 * One node's configuration file: which cluster it belongs to, which member it is, and how it runs. Loaded and
 * validated by {@link ConfigLoader}; every section but {@code cluster} and {@code node} has defaults.
 *
 * <pre>
 * cluster:
 *   name: local
 *   members:
 *     - {id: 1, name: node-1, raft: 127.0.0.1:2380, client: 127.0.0.1:2379}
 * node:
 *   id: 1
 *   dataDir: data/node-1
 * raft: {electionTimeoutMs: 1000, snapshotThreshold: 50000, requestTimeoutMs: 10000}
 * limits: {maxRequestBytes: 1572864, quotaBytes: 2147483648, maxTxnOps: 128}
 * compaction: {mode: periodic, retention: 1h}
 * tls: see {@link TlsSettings}
 * auth: see {@link AuthSettings}
 * </pre>
 */
public record NodeConfig(ClusterConfig cluster, Self node, RaftSettings raft, Limits limits,
                         CompactionSettings compaction, TlsSettings tls, AuthSettings auth) {

    @JsonCreator
    public NodeConfig(@JsonProperty("cluster") ClusterConfig cluster, @JsonProperty("node") Self node,
                      @JsonProperty("raft") RaftSettings raft, @JsonProperty("limits") Limits limits,
                      @JsonProperty("compaction") CompactionSettings compaction,
                      @JsonProperty("tls") TlsSettings tls, @JsonProperty("auth") AuthSettings auth) {
        this.cluster = cluster;
        this.node = node;
        this.raft = raft == null ? RaftSettings.DEFAULTS : raft;
        this.limits = limits == null ? Limits.DEFAULTS : limits;
        this.compaction = compaction == null ? CompactionSettings.DEFAULTS : compaction;
        this.tls = tls == null ? TlsSettings.DEFAULTS : tls;
        this.auth = auth == null ? AuthSettings.DEFAULTS : auth;
    }

    /** A configuration without TLS, and with authentication's defaults. */
    public NodeConfig(ClusterConfig cluster, Self node, RaftSettings raft, Limits limits,
                      CompactionSettings compaction) {
        this(cluster, node, raft, limits, compaction, null, null);
    }

    /** This node's own entry in the member list. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public Member self() {
        return cluster.member(node.id());
    }

    /** Which member this file configures, and where it keeps its data. */
    public record Self(@JsonProperty("id") int id, @JsonProperty("dataDir") String dataDir) {
        public Path dataPath() {
            return Path.of(dataDir);
        }
    }

    /**
     * Raft timing and snapshots. {@code electionTimeoutMs} is the minimum election timeout (the maximum is twice
     * it); {@code snapshotThreshold} is the number of applied entries between snapshots; {@code logSegmentBytes}
     * bounds a log segment, and only whole segments are purged behind a snapshot; {@code watchProgressMs} is how
     * often watchers that asked for progress notifications get one (etcd: 10 minutes). Client requests are batched
     * into Raft entries: {@code maxBatchRequests} and {@code maxBatchBytes} bound one entry, and at most
     * {@code maxEntriesInFlight} entries of a member are on their way into the log at once (more requests wait,
     * and leave together when one comes back). {@code purgeGap} is how many log entries are purged at a time behind
     * a snapshot (by default half the snapshot threshold, at most 1024).
     */
    public record RaftSettings(@JsonProperty("electionTimeoutMs") Long electionTimeoutMs,
                               @JsonProperty("snapshotThreshold") Long snapshotThreshold,
                               @JsonProperty("requestTimeoutMs") Long requestTimeoutMs,
                               @JsonProperty("logSegmentBytes") Long logSegmentBytes,
                               @JsonProperty("watchProgressMs") Long watchProgressMs,
                               @JsonProperty("maxBatchRequests") Integer maxBatchRequests,
                               @JsonProperty("maxBatchBytes") Integer maxBatchBytes,
                               @JsonProperty("maxEntriesInFlight") Integer maxEntriesInFlight,
                               @JsonProperty("purgeGap") Integer purgeGap) {
        public static final RaftSettings DEFAULTS = new RaftSettings(null, null, null, null, null);

        /** The timing settings; the batching and purge settings at their defaults. */
        public RaftSettings(Long electionTimeoutMs, Long snapshotThreshold, Long requestTimeoutMs,
                            Long logSegmentBytes, Long watchProgressMs) {
            this(electionTimeoutMs, snapshotThreshold, requestTimeoutMs, logSegmentBytes, watchProgressMs, null, null,
                    null, null);
        }

        @JsonCreator
        public RaftSettings {
            electionTimeoutMs = electionTimeoutMs == null ? 1000 : electionTimeoutMs;
            // etcd snapshots every 100,000 entries of one request each; ours carry up to ~25 requests under load,
            // so half that bounds the log kept between snapshots (and replayed at restart) nearer to etcd's, while
            // a snapshot, a dump of the whole history, stays rare (at 10,000 it took 7% of a loaded member's CPU).
            snapshotThreshold = snapshotThreshold == null ? 50_000 : snapshotThreshold;
            requestTimeoutMs = requestTimeoutMs == null ? 10_000 : requestTimeoutMs;
            logSegmentBytes = logSegmentBytes == null ? 8L << 20 : logSegmentBytes;
            watchProgressMs = watchProgressMs == null ? 600_000 : watchProgressMs;
            maxBatchRequests = maxBatchRequests == null ? 1024 : maxBatchRequests;
            maxBatchBytes = maxBatchBytes == null ? 4 << 20 : maxBatchBytes;
            maxEntriesInFlight = maxEntriesInFlight == null ? 8 : maxEntriesInFlight;
            purgeGap = purgeGap == null ? (int) Math.max(1, Math.min(1024, snapshotThreshold / 2)) : purgeGap;
        }
    }

    /**
     * Limits: the largest request body accepted (etcd: 1.5 MiB), the backend quota that raises the NOSPACE alarm
     * (etcd: 2 GiB), and the most operations in one txn level (etcd: 128).
     */
    public record Limits(@JsonProperty("maxRequestBytes") Integer maxRequestBytes,
                         @JsonProperty("quotaBytes") Long quotaBytes,
                         @JsonProperty("maxTxnOps") Integer maxTxnOps) {
        public static final Limits DEFAULTS = new Limits(null, null, null);

        public Limits {
            maxRequestBytes = maxRequestBytes == null ? 1_572_864 : maxRequestBytes;
            quotaBytes = quotaBytes == null ? 2L << 30 : quotaBytes;
            maxTxnOps = maxTxnOps == null ? 128 : maxTxnOps;
        }
    }

    /**
     * Automatic compaction, as etcd's {@code --auto-compaction-mode/-retention}: {@code none}, {@code periodic}
     * with a duration ("1h", "30m", "90s"), or {@code revision} with a number of revisions to keep.
     */
    public record CompactionSettings(@JsonProperty("mode") String mode,
                                     @JsonProperty("retention") String retention) {
        public static final CompactionSettings DEFAULTS = new CompactionSettings(null, null);

        public CompactionSettings {
            mode = mode == null ? "none" : mode;
        }
    }
}
