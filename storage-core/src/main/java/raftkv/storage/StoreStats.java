package raftkv.storage;

/**
 * Counters of the store's work, for the server's metrics (storage-core itself has no metrics library). Guarded by
 * the store's commitLock; read through {@link MvccStore#stats()}.
 */
public final class StoreStats {

    private long writes;
    private long changes;
    private long commits;
    private long committedChanges;
    private long commitNanos;
    private long lastCommitNanos;

    void recordWrite(int changeCount) {
        writes++;
        changes += changeCount;
    }

    void recordCommit(long changeCount, long nanos) {
        commits++;
        committedChanges += changeCount;
        commitNanos += nanos;
        lastCommitNanos = nanos;
    }

    View view(int keys, int leases, long revision, long compactRevision) {
        return new View(writes, changes, commits, committedChanges, commitNanos, lastCommitNanos, keys, leases,
                revision, compactRevision);
    }

    /**
     * A copy of the counters: write transactions that changed something, changes (puts and deletes), group commits,
     * changes they covered, total and last commit time, and the current sizes.
     */
    public record View(long writes, long changes, long commits, long committedChanges, long commitNanos,
                       long lastCommitNanos, int keys, int leases, long revision, long compactRevision) {
    }
}
