package raftkv.storage;

import java.util.function.Consumer;

/**
 * Group commit's bookkeeping: what was written since the last commit, when the next commit is due, the counters, and
 * the failure that stopped commits. It takes no lock: {@link MvccStore} calls it only while holding its commitLock,
 * on a writing thread or on {@code raftkv-group-commit}. Only the failure is read from any thread.
 */
final class GroupCommit {

    private final StoreConfig config;
    private final StoreStats stats = new StoreStats();
    private long uncommitted;
    private boolean dirty;
    private long lastCommitNanos = System.nanoTime();
    /** Set once, by whichever thread's commit failed; read by any. */
    private volatile Throwable failure;
    private volatile Consumer<Throwable> onFailure = t -> { };

    GroupCommit(StoreConfig config) {
        this.config = config;
    }

    /** A write txn ended having made {@code changes} changes. */
    void wrote(int changes) {
        uncommitted += changes;
        dirty = true;
        stats.recordWrite(changes);
    }

    /** Bookkeeping that is not a change of a key (applied index, alarms, leases, compaction marks) changed. */
    void changed() {
        dirty = true;
    }

    /** Whether anything waits to be committed. */
    boolean dirty() {
        return dirty;
    }

    /** Whether enough changes wait to commit at the end of this unit, without waiting for the timer. */
    boolean full() {
        return uncommitted >= config.commitOps();
    }

    /** Whether the timer should commit: something waits since a whole interval, and no commit has failed. */
    boolean due() {
        return failure == null && dirty && System.nanoTime() - lastCommitNanos >= config.commitInterval().toNanos();
    }

    /** A commit that started at {@code startNanos} succeeded: nothing waits any more. */
    void committed(long startNanos) {
        lastCommitNanos = System.nanoTime();
        stats.recordCommit(uncommitted, lastCommitNanos - startNanos);
        uncommitted = 0;
        dirty = false;
    }

    /** Forgets what waited: the state it belonged to was replaced by one read from a committed backend. */
    void reset() {
        uncommitted = 0;
        dirty = false;
    }

    /** See {@link MvccStore#onFailure}. */
    void onFailure(Consumer<Throwable> listener) {
        this.onFailure = listener;
    }

    /** The failure that stopped commits, or null. */
    Throwable failure() {
        return failure;
    }

    /** A commit failed: remembers the first failure and tells the listener, once. */
    void failed(Throwable t) {
        if (failure == null) {
            failure = t;
            onFailure.accept(t);
        }
    }

    StoreStats.View view(int keys, int leases, long revision, long compactRevision) {
        return stats.view(keys, leases, revision, compactRevision);
    }
}
