package raftkv.raft;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Every metric of the replicated layer, in one place (as etcd's {@code metrics.go}). Names follow Prometheus
 * conventions; the server exports the registry as Prometheus text.
 */
public final class RaftMetrics {

    final Counter proposed;
    final Counter proposalsFailed;
    final Counter entriesProposed;
    final Histogram batchSize;
    final Counter applied;
    final Counter entriesApplied;
    final Timer applyTime;
    final Timer proposeToOutcome;
    final Counter leaderChanges;
    final Counter readIndexRounds;
    final Counter emptyEntries;
    final Counter readsServed;
    final Counter answeredByLeader;
    final Counter serializableWaits;
    final Counter stuckFollowerHandoffs;

    public RaftMetrics(MetricRegistry registry) {
        proposed = registry.counter("raftkv_raft_proposals_total");
        proposalsFailed = registry.counter("raftkv_raft_proposals_failed_total");
        entriesProposed = registry.counter("raftkv_raft_entries_proposed_total");
        batchSize = registry.histogram("raftkv_raft_proposals_per_entry");
        applied = registry.counter("raftkv_raft_proposals_applied_total");
        entriesApplied = registry.counter("raftkv_raft_entries_applied_total");
        applyTime = registry.timer("raftkv_raft_apply_seconds");
        proposeToOutcome = registry.timer("raftkv_raft_propose_to_outcome_seconds");
        leaderChanges = registry.counter("raftkv_raft_leader_changes_total");
        readIndexRounds = registry.counter("raftkv_raft_read_index_rounds_total");
        emptyEntries = registry.counter("raftkv_raft_empty_entries_total");
        readsServed = registry.counter("raftkv_raft_linearizable_reads_total");
        answeredByLeader = registry.counter("raftkv_raft_proposals_answered_by_leader_total");
        serializableWaits = registry.counter("raftkv_raft_serializable_read_waits_total");
        stuckFollowerHandoffs = registry.counter("raftkv_raft_stuck_follower_handoffs_total");
    }

    void applied(int proposals, long nanos) {
        applied.inc(proposals);
        entriesApplied.inc();
        applyTime.update(nanos, TimeUnit.NANOSECONDS);
    }

    void entryProposed(int proposals) {
        entriesProposed.inc();
        batchSize.update(proposals);
    }

    void leaderChanged() {
        leaderChanges.inc();
    }

    public long proposalsTotal() {
        return proposed.getCount();
    }

    public long entriesProposedTotal() {
        return entriesProposed.getCount();
    }
}
