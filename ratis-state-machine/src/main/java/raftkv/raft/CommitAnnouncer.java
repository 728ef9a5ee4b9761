package raftkv.raft;

import java.util.function.BooleanSupplier;

/**
 * Tells the followers the leader's commit index when a burst of writes ends. Ratis sends the commit index only with
 * the next append or heartbeat, so after the last write of a burst the followers (their watchers, their
 * serializable reads) learned of it up to a heartbeat interval, half the election timeout, late: with its watchers
 * on a follower, the watch benchmark's worst event, one of the run's last, was 0.51-0.53 s in every run. etcd's
 * leader sends a new commit index at once. Here, on the leader, once the commit index has held still for a tick
 * with every entry committed, one empty entry is appended: it carries the commit index. The empty entry's own
 * commit is not announced in turn (it holds nothing), so an idle cluster stays idle.
 *
 * <p>Runs on the nudger thread, which owns every field.
 */
final class CommitAnnouncer {

    private final BooleanSupplier appendEmptyEntry;
    private long commitAtLastTick = -1;
    private long announced = -1;
    /** The index the last empty entry was expected at: its commit is not announced. */
    private long emptyAt = -1;

    /** {@code appendEmptyEntry} returns whether it appended one (false while another is in flight). */
    CommitAnnouncer(BooleanSupplier appendEmptyEntry) {
        this.appendEmptyEntry = appendEmptyEntry;
    }

    /** One look at the leader's log: {@code last} is its last index, {@code commit} its commit index. */
    void tick(boolean leader, long commit, long last) {
        if (!leader) {
            commitAtLastTick = announced = emptyAt = -1;
            return;
        }
        boolean settled = commit == commitAtLastTick && commit == last;
        commitAtLastTick = commit;
        if (settled && commit > announced && commit != emptyAt && appendEmptyEntry.getAsBoolean()) {
            announced = commit;
            emptyAt = commit + 1;
        }
    }
}
