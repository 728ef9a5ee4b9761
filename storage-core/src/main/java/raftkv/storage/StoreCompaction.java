package raftkv.storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction, as etcd's {@code kvstore_compaction.go}: history at or below a revision that no read at or above it
 * needs is removed. It happens in three steps:
 *
 * <ol>
 *   <li>at once, under the exclusive lock: the compaction revision is raised (reads below it fail from now on) and
 *       recorded as scheduled, in the same commit as the Raft entry that asked for it;</li>
 *   <li>on the compactor thread, in chunks of keys: the index drops the revisions nothing can read any more and
 *       reports the ones to keep;</li>
 *   <li>on the compactor thread, in chunks of records: the backend deletes every record at or below the revision
 *       that is not kept, then the compaction is recorded as finished.</li>
 * </ol>
 *
 * Writes go on between chunks. A crash after step 1 is repaired on open, which runs steps 2 and 3 again (both are
 * idempotent). A chunk of step 3 waits for snapshots in progress, which must not lose records under them.
 */
final class StoreCompaction {

    private static final Logger log = LoggerFactory.getLogger(StoreCompaction.class);

    private final MvccStore s;

    StoreCompaction(MvccStore s) {
        this.s = s;
    }

    CompletableFuture<Void> schedule(long rev) {
        long epoch;
        s.commitLock.lock();
        s.lock.writeLock().lock();
        try {
            if (s.isClosed()) {
                throw new StorageException(ErrorCode.STORE_CLOSED);
            }
            if (rev <= s.compactRev) {
                throw new StorageException(ErrorCode.COMPACTED);
            }
            if (rev > s.currentRev) {
                throw new StorageException(ErrorCode.FUTURE_REVISION);
            }
            s.compactRev = rev;
            s.scheduledCompact = rev;
            s.markDirty();
            epoch = s.epoch;
        } finally {
            s.lock.writeLock().unlock();
            s.commitLock.unlock();
        }
        log.info("compaction to revision {} scheduled", rev);
        return s.runCompaction(() -> run(rev, epoch));
    }

    /** After open or a backend swap: finishes a compaction that a crash interrupted. */
    void resumeIfInterrupted() {
        long rev;
        long epoch;
        s.commitLock.lock();
        s.lock.readLock().lock();
        try {
            if (s.scheduledCompact <= s.finishedCompact) {
                return;
            }
            rev = s.scheduledCompact;
            epoch = s.epoch;
        } finally {
            s.lock.readLock().unlock();
            s.commitLock.unlock();
        }
        log.info("resuming the compaction to revision {} that was interrupted", rev);
        s.runCompaction(() -> run(rev, epoch));
    }

    private void run(long rev, long epoch) {
        long t0 = System.nanoTime();
        RevisionSet keep = compactIndex(rev, epoch);
        if (keep == null) {
            return;
        }
        long deleted = compactBackend(rev, epoch, keep);
        if (deleted < 0) {
            return;
        }
        s.commitLock.lock();
        try {
            if (s.epoch == epoch && !s.isClosed()) {
                s.finishedCompact = Math.max(s.finishedCompact, rev);
                s.markDirty();
            }
        } finally {
            s.commitLock.unlock();
        }
        log.info("compaction to revision {} finished: {} records removed, {} kept at or below it, in {} ms", rev,
                deleted, keep.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Step 2. Returns the sorted revisions to keep, or null if the store moved on (closed or swapped). */
    private RevisionSet compactIndex(long rev, long epoch) {
        RevisionSet keep = new RevisionSet();
        byte[] from = null;
        do {
            s.lock.writeLock().lock();
            try {
                if (s.epoch != epoch || s.isClosed()) {
                    return null;
                }
                from = s.index.compact(rev, from, s.config.compactionBatch(), keep::add);
            } finally {
                s.lock.writeLock().unlock();
            }
        } while (from != null);
        return keep.seal();
    }

    /** Step 3. Returns the number of records deleted, or -1 if the store moved on. */
    private long compactBackend(long rev, long epoch, RevisionSet keep) {
        byte[] end = Revision.toBytes(Revision.pack(rev + 1, 0));
        byte[] cursor = new byte[0];
        long deleted = 0;
        while (cursor != null) {
            long stamp = s.maintenance.writeLock();
            try {
                if (s.epoch != epoch || s.isClosed()) {
                    return -1;
                }
                List<byte[]> doomed = new ArrayList<>();
                Iterator<Map.Entry<byte[], byte[]>> it = s.backend.scan(cursor, end);
                int scanned = 0;
                byte[] last = null;
                while (it.hasNext() && scanned < s.config.compactionBatch()) {
                    byte[] k = it.next().getKey();
                    if (!keep.contains(Revision.fromBytes(k))) {
                        doomed.add(k);
                    }
                    last = k;
                    scanned++;
                }
                // A MapDB map operation is several record writes: a commit from another thread must not land in
                // the middle of one, or a crash leaves a B-tree leaf pointing at a freed value (seen in
                // CrashRecoveryTest). Every mutation of the backend therefore holds commitLock.
                s.commitLock.lock();
                try {
                    for (byte[] k : doomed) {
                        s.backend.remove(k);
                    }
                } finally {
                    s.commitLock.unlock();
                }
                deleted += doomed.size();
                cursor = it.hasNext() && last != null ? Arrays.copyOf(last, last.length + 1) : null;
            } finally {
                s.maintenance.unlockWrite(stamp);
            }
        }
        return deleted;
    }
}
