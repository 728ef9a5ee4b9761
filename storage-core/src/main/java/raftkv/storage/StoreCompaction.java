package raftkv.storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.storage.backend.Backend;

/**
 * Compaction, as etcd's {@code kvstore_compaction.go}: history at or below a revision that no read at or above it
 * needs is removed. It happens in three steps:
 *
 * <ol>
 *   <li>at once, in {@link MvccStore#compact}: the compaction revision is raised (reads below it fail from now on)
 *       and recorded as scheduled, in the same commit as the Raft entry that asked for it;</li>
 *   <li>here, on the compactor thread, in chunks of keys: the index drops the revisions nothing can read any more
 *       and reports the ones to keep;</li>
 *   <li>here, on the compactor thread, in chunks of records: the backend deletes every record at or below the
 *       revision that is not kept, then the compaction is recorded as finished.</li>
 * </ol>
 *
 * Writes go on between chunks. A crash after step 1 is repaired on open, which runs steps 2 and 3 again (both are
 * idempotent). A chunk of step 3 waits for snapshots in progress, which must not lose records under them. The store
 * takes the locks of each chunk and gives up a job whose backend it has since closed or replaced.
 */
final class StoreCompaction {

    private static final Logger log = LoggerFactory.getLogger(StoreCompaction.class);

    /** A compaction to {@code rev}, of the backend the store had at {@code epoch}. */
    record Job(long rev, long epoch) {
    }

    private final MvccStore s;
    private final Executor compactor;
    private final int batch;

    StoreCompaction(MvccStore s, Executor compactor, int batch) {
        this.s = s;
        this.compactor = compactor;
        this.batch = batch;
    }

    /** Runs steps 2 and 3 of a compaction that step 1 just scheduled. */
    CompletableFuture<Void> schedule(Job job) {
        log.info("compaction to revision {} scheduled", job.rev());
        return CompletableFuture.runAsync(() -> run(job), compactor);
    }

    /** Runs steps 2 and 3 again for a compaction that a crash interrupted. */
    void resume(Job job) {
        log.info("resuming the compaction to revision {} that was interrupted", job.rev());
        CompletableFuture.runAsync(() -> run(job), compactor);
    }

    private void run(Job job) {
        long t0 = System.nanoTime();
        RevisionSet keep = compactIndex(job);
        if (keep == null) {
            return;
        }
        long deleted = compactBackend(job, keep);
        if (deleted < 0) {
            return;
        }
        s.finishCompaction(job);
        log.info("compaction to revision {} finished: {} records removed, {} kept at or below it, in {} ms",
                job.rev(), deleted, keep.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Step 2. Returns the sorted revisions to keep, or null if the store moved on (closed or swapped). */
    private RevisionSet compactIndex(Job job) {
        RevisionSet keep = new RevisionSet();
        byte[][] from = {null};
        do {
            if (!s.compactIndexChunk(job, index -> from[0] = index.compact(job.rev(), from[0], batch, keep::add))) {
                return null;
            }
        } while (from[0] != null);
        return keep.seal();
    }

    /** Step 3. Returns the number of records deleted, or -1 if the store moved on. */
    private long compactBackend(Job job, RevisionSet keep) {
        BackendChunks chunks = new BackendChunks(job.rev(), keep);
        long deleted = 0;
        while (!chunks.done()) {
            List<byte[]> doomed = s.deleteFromBackend(job, chunks::next);
            if (doomed == null) {
                return -1;
            }
            deleted += doomed.size();
        }
        return deleted;
    }

    /** Walks the records at or below the compaction revision, a chunk at a time, picking those not kept. */
    private final class BackendChunks {
        private final byte[] end;
        private final RevisionSet keep;
        private byte[] cursor = new byte[0];

        BackendChunks(long rev, RevisionSet keep) {
            this.end = Revision.toBytes(Revision.pack(rev + 1, 0));
            this.keep = keep;
        }

        boolean done() {
            return cursor == null;
        }

        /** Scans the next chunk of {@code backend} and returns the keys in it to delete. */
        List<byte[]> next(Backend backend) {
            List<byte[]> doomed = new ArrayList<>();
            Iterator<Map.Entry<byte[], byte[]>> it = backend.scan(cursor, end);
            int scanned = 0;
            byte[] last = null;
            while (it.hasNext() && scanned < batch) {
                byte[] k = it.next().getKey();
                if (!keep.contains(Revision.fromBytes(k))) {
                    doomed.add(k);
                }
                last = k;
                scanned++;
            }
            cursor = it.hasNext() && last != null ? Arrays.copyOf(last, last.length + 1) : null;
            return doomed;
        }
    }
}
