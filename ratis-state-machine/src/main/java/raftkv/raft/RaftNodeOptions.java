package raftkv.raft;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import raftkv.storage.StoreConfig;

/**
 * Everything a {@link RaftNode} needs, independent of how it was configured (the server maps its YAML here).
 *
 * @param clusterName       names the Raft group: members of one cluster share it
 * @param selfId            this member's id, one of {@code peers}
 * @param raftDir           Ratis' storage (log, snapshots)
 * @param store             the MVCC store's configuration
 * @param electionTimeout   minimum election timeout; the maximum is twice this
 * @param snapshotThreshold entries applied between snapshots
 * @param purgeGap          log entries purged at a time behind a snapshot
 * @param requestTimeout    how long a proposal may take end to end
 * @param logSegmentBytes   size of a Raft log segment; only whole closed segments are purged
 * @param watchProgressInterval how often watchers that asked for it are told the current revision
 * @param joining           this member joins a running cluster: it starts with no peers and waits to be added
 */
public record RaftNodeOptions(String clusterName, int selfId, List<Peer> peers, Path raftDir, StoreConfig store,
                              Duration electionTimeout, long snapshotThreshold, int purgeGap,
                              Duration requestTimeout, int maxBatchCount, int maxBatchBytes, int maxInFlight,
                              long logSegmentBytes, Duration watchProgressInterval, boolean joining) {

    /** A member: its id, Raft address ({@code host:port}) and client URL. */
    public record Peer(int id, String raftAddress, String clientUrl) {
    }

    public Peer self() {
        return peers.stream().filter(p -> p.id() == selfId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("member " + selfId + " is not among the peers"));
    }
}
