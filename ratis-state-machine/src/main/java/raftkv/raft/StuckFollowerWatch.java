package raftkv.raft;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds a follower that the leader's Ratis has stopped replicating to for good, so that the leader can hand its
 * leadership to a healthy follower: a new leader starts its replication to every follower afresh.
 *
 * <p>Why: in Ratis 3.3.0 (the newest release) a successful heartbeat reply can raise the leader's match index for a
 * follower past what the follower holds (RATIS-2605, fixed upstream since). The leader then never backs off below
 * that index, the follower answers every append and heartbeat with INCONSISTENCY, and it stays behind while it is up:
 * its watchers, its serializable reads and its linearizable reads with it. The full test suite showed such a
 * follower in most runs on this machine (the leader's log repeating "received INCONSISTENCY reply").
 *
 * <p>A follower counts as stuck when, for a whole window: it answered the leader (it is alive), its match index did
 * not move while the commit index moved past it, the leader's next index for it is the one right after that match
 * index (no snapshot install pending), and the entries it needs are still in the leader's log. A follower that is
 * down, being sent a snapshot, or merely slow is never taken as stuck.
 *
 * <p>Owned by the nudger thread.
 */
final class StuckFollowerWatch {

    /** What the leader knows of one follower: Ratis' match and next index, and how long ago it last answered. */
    record Follower(int id, long matchIndex, long nextIndex, long sinceLastAnswerMs) {
    }

    private record Still(long matchIndex, long commitIndex, long sinceMs) {
    }

    private final long windowMs;
    private final long aliveMs;
    // follower id -> since when its match index has stood still
    private final Map<Integer, Still> still = new HashMap<>();

    /**
     * @param windowMs how long a follower must look stuck before it counts as stuck
     * @param aliveMs  a follower that answered within this is alive (an election timeout)
     */
    StuckFollowerWatch(long windowMs, long aliveMs) {
        this.windowMs = windowMs;
        this.aliveMs = aliveMs;
    }

    /** Forgets everything: this member is not the leader (any more). */
    void reset() {
        still.clear();
    }

    /** Whether the follower answered the leader lately. */
    boolean alive(Follower f) {
        return f.sinceLastAnswerMs() < aliveMs;
    }

    /**
     * One look at the leader's followers. Returns a follower stuck for the whole window, or null. Once reported, a
     * follower's window starts again.
     */
    Follower check(long nowMs, long commitIndex, long logStartIndex, List<Follower> followers) {
        Set<Integer> seen = new HashSet<>();
        Follower stuck = null;
        for (Follower f : followers) {
            seen.add(f.id());
            boolean suspicious = alive(f)
                    && f.matchIndex() < commitIndex
                    && f.nextIndex() == f.matchIndex() + 1
                    && f.nextIndex() >= logStartIndex;
            Still s = still.get(f.id());
            if (!suspicious || s == null || s.matchIndex() != f.matchIndex()) {
                if (suspicious) {
                    still.put(f.id(), new Still(f.matchIndex(), commitIndex, nowMs));
                } else {
                    still.remove(f.id());
                }
                continue;
            }
            if (nowMs - s.sinceMs() >= windowMs && commitIndex > s.commitIndex() && stuck == null) {
                stuck = f;
                still.remove(f.id());
            }
        }
        still.keySet().retainAll(seen);
        return stuck;
    }
}
