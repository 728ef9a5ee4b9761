package raftkv.raft;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where raftkv works around Ratis 3.3.0's bugs, each named by its Ratis issue, in one place so that each can go when
 * Ratis fixes it:
 *
 * <ul>
 *   <li>RATIS-2523: an idle leader may answer a follower restarted with empty storage with heartbeats only, forever;
 *       an empty entry breaks the loop ({@link #nudgeLaggingFollowers}).</li>
 *   <li>RATIS-2605: a leader may stop replicating to a live follower for good; handing leadership to another
 *       follower restarts replication ({@link StuckFollowerWatch}).</li>
 *   <li>Ratis may stop this member's Raft server by itself (its log could not be written), or lose a snapshot
 *       reload (two installs in a row), after which the member can apply nothing more; either way the member must
 *       stop, and {@link #checkAlive} says so through the failure future.</li>
 * </ul>
 *
 * <p>Runs on the {@code raftkv-raft-nudger} thread, which owns every mutable field.
 */
final class RatisWorkarounds {

    private static final Logger log = LoggerFactory.getLogger(RatisWorkarounds.class);

    /** A follower whose replication stood still this long while commits went on is stuck (see StuckFollowerWatch). */
    static final long STUCK_FOLLOWER_WINDOW_MS = 10_000;
    /** How long a gap before the next entry to apply may last before the member stops (see checkAlive). */
    static final long LOST_RELOAD_MS = 10_000;

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final Leadership leadership;
    private final EmptyEntries emptyEntries;
    private final Membership membership;
    private final KvStateMachine stateMachine;
    private final RaftMetrics metrics;
    private final Duration electionTimeout;
    private final StuckFollowerWatch stuckFollowers;
    private final CompletableFuture<Throwable> failure;
    /** True once the member is closing: its server stopping then is no failure. */
    private final BooleanSupplier closing;
    private long lastCommitSeen = -1;
    /** When the gap was first seen, 0 when there is none. */
    private long lostReloadSince;

    RatisWorkarounds(RaftServer server, RaftGroupId groupId, Leadership leadership, EmptyEntries emptyEntries,
                     Membership membership, KvStateMachine stateMachine, RaftMetrics metrics,
                     Duration electionTimeout, CompletableFuture<Throwable> failure, BooleanSupplier closing) {
        this.server = server;
        this.groupId = groupId;
        this.leadership = leadership;
        this.emptyEntries = emptyEntries;
        this.membership = membership;
        this.stateMachine = stateMachine;
        this.metrics = metrics;
        this.electionTimeout = electionTimeout;
        this.stuckFollowers = new StuckFollowerWatch(STUCK_FOLLOWER_WINDOW_MS,
                Math.max(1_000, electionTimeout.toMillis()));
        this.failure = failure;
        this.closing = closing;
    }

    /**
     * Works around RATIS-2523: on an idle cluster, a leader may answer a follower restarted with empty storage with
     * heartbeats only, forever (it ignores the follower's "send from index 0"). Any real append breaks the loop, so
     * when a follower lags and nothing was committed since the last check, the leader appends an empty entry.
     */
    void nudgeLaggingFollowers() {
        try {
            if (!leadership.isLeader()) {
                lastCommitSeen = -1;
                stuckFollowers.reset();
                return;
            }
            RaftServer.Division d = server.getDivision(groupId);
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
                emptyEntries.append(EmptyEntries.Reason.LAGGING_FOLLOWER);
            }
            handOverIfAFollowerIsStuck(d, commit);
        } catch (IOException | RuntimeException e) {
            log.debug("follower nudge skipped", e);
        }
    }

    /**
     * While this member leads: when Ratis has stopped replicating to a live follower (see {@link StuckFollowerWatch}),
     * hands leadership to the most advanced other live follower. The new leader replicates to every follower afresh,
     * which unsticks it; writes pause for about an election meanwhile.
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
            followers.add(new StuckFollowerWatch.Follower(Ratis.memberIdOf(RaftPeerId.valueOf(answers.get(i).getId()
                    .getId())), match[i], next[i], answers.get(i).getLastRpcElapsedTimeMs()));
        }
        StuckFollowerWatch.Follower stuck = stuckFollowers.check(MonotonicClock.SYSTEM.millis(), commit,
                d.getRaftLog().getStartIndex(), followers);
        if (stuck == null) {
            return;
        }
        StuckFollowerWatch.Follower target = followers.stream()
                .filter(f -> f.id() != stuck.id() && stuckFollowers.alive(f) && f.matchIndex() > 0)
                .max(Comparator.comparingLong(StuckFollowerWatch.Follower::matchIndex)).orElse(null);
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
        membership.transferLeadership(target.id(), Duration.ofMillis(Math.max(3_000, 6 * electionTimeout.toMillis())))
                .whenComplete((r, e) -> {
                    if (e == null) {
                        log.info("handed leadership to member {}", target.id());
                    } else {
                        log.warn("handing leadership to member {} failed: {}", target.id(), e.toString());
                    }
                });
    }

    /**
     * Notices Ratis closing this member's server without being asked to, and a member that can apply nothing more
     * because Ratis lost a snapshot reload (see {@link KvStateMachine#reinitialize}): its next entry is not in its
     * log, which starts after a snapshot it never loaded. A restart loads that snapshot (a store behind the newest
     * snapshot is restored from it on start), so the member stops, saying so.
     */
    void checkAlive() {
        if (closing.getAsBoolean() || failure.isDone()) {
            return;
        }
        try {
            var division = server.getDivision(groupId);
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
}
