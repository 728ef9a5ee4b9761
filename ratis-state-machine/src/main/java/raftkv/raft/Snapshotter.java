package raftkv.raft;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;
import raftkv.storage.MvccStore;
import raftkv.storage.StoreSnapshot;
import raftkv.storage.backend.DataDirectory;

/**
 * Takes Ratis snapshots through the store's snapshot API without stalling the apply thread.
 *
 * <p>Ratis calls {@code takeSnapshot} on its apply thread and purges the log up to the index returned. So the
 * consistent point is fixed there (cheap), the dump is written on a background thread, and {@link #take} always
 * returns the index of the newest <em>completed</em> snapshot: the log is purged only behind a snapshot that is
 * durable on disk, and writes go on while a large dump is written.
 *
 * <p>Members snapshot at different points. Every member applies the same entries at about the same moment, so with
 * one threshold they would all dump at once, and on a small machine the whole cluster stalled (seen: the worst put
 * of those seconds 200-500 ms against 40-60 ms otherwise, 10,000 watchers at 1,000 puts/s). Each member has its own
 * phase within the threshold, so a quorum is never busy dumping together; see {@link #due}.
 */
final class Snapshotter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);

    private final SimpleStateMachineStorage storage;
    private final long threshold;
    private final long phase;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(Threads.daemon("raftkv-snapshot-writer"));
    /** The dump being written, if any. Owned by the apply thread. */
    private Future<?> inProgress;

    /** Makes a directory's entries durable; {@link DataDirectory#fsyncDirectory} but in tests. */
    @FunctionalInterface
    interface DirectorySync {
        void sync(Path dir) throws IOException;
    }

    private final DirectorySync syncDirectory;

    /** {@code memberId} picks the phase: members 1, 2, 3 (and 4, 5...) snapshot a third of the threshold apart. */
    Snapshotter(SimpleStateMachineStorage storage, long threshold, int memberId) {
        this(storage, threshold, memberId, DataDirectory::fsyncDirectory);
    }

    Snapshotter(SimpleStateMachineStorage storage, long threshold, int memberId, DirectorySync syncDirectory) {
        this.storage = storage;
        this.threshold = threshold;
        this.phase = (memberId % 3) * threshold / 3;
        this.syncDirectory = syncDirectory;
        this.durable.set(latestIndex());
    }

    /**
     * The index of the newest snapshot that is durable under its name, which is what {@link #take} tells Ratis: it
     * purges the log behind it, and it must never go back (Ratis stops the server if it does). Not Ratis' own
     * latest snapshot: while it knows none, Ratis looks on disk and would see a snapshot renamed into place before
     * its directory is synced. Raised by the snapshot writer and by snapshot installs.
     */
    private final java.util.concurrent.atomic.AtomicLong durable = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Whether a member at {@code applied}, whose newest snapshot is at {@code latest}, should dump now: when it has
     * passed one of its own snapshot points (the indexes {@code k * threshold - phase}) since {@code latest}, and is
     * at least half a threshold past {@code latest} (a member without snapshots just waits for its point). So
     * snapshots come between half and one and a half thresholds apart, at most two thresholds behind.
     */
    static boolean due(long applied, long latest, long threshold, long phase) {
        if (latest >= 0 && applied - latest < Math.max(1, threshold / 2)) {
            return false;
        }
        return applied - latest >= 2 * threshold
                || Math.floorDiv(applied + phase, threshold) > Math.floorDiv(latest + phase, threshold);
    }

    /** On the apply thread: starts a dump if none is running and enough has been applied; see the class comment. */
    long take(MvccStore store) {
        long latest = durable.get();
        if (inProgress == null || inProgress.isDone()) {
            inProgress = null;
            long applied = store.appliedIndex().index();
            if (applied > 0 && due(applied, latest, threshold, phase)) {
                store.commit(); // the store itself is durable at the point before the log behind it may go
                StoreSnapshot point = store.openSnapshot();
                inProgress = writer.submit(() -> write(point));
            }
        }
        return latest;
    }

    private void write(StoreSnapshot point) {
        StoreSnapshot.Info info = point.info();
        TermIndex ti = TermIndex.valueOf(info.appliedTerm(), info.appliedIndex());
        java.io.File target = storage.getSnapshotFile(ti.getTerm(), ti.getIndex());
        Path tmp = target.toPath().resolveSibling("tmp-" + target.getName());
        long t0 = System.nanoTime();
        java.security.MessageDigest digest;
        try {
            digest = java.security.MessageDigest.getInstance("MD5");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has MD5", e);
        }
        try (point; java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                java.nio.file.StandardOpenOption.WRITE);
             OutputStream out = new BufferedOutputStream(new java.security.DigestOutputStream(
                     new SyncingOutput(ch), digest), 1 << 16)) {
            point.writeTo(out);
            out.flush();
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            log.error("snapshot at {} failed; the log stays until the next one succeeds", ti, e);
            deleteQuietly(tmp);
            return;
        }
        if (ti.getIndex() <= durable.get()) {
            // A snapshot from the leader was installed while this one was written: it is newer, and this one is of
            // no use (published, it would only confuse which snapshot is the newest).
            log.info("snapshot at {} dropped: a newer snapshot (index {}) was installed meanwhile", ti, durable.get());
            deleteQuietly(tmp);
            return;
        }
        try {
            // The MD5 file first: Ratis may list the directory at any moment, and a snapshot without it is suspect.
            // The digest was computed on the way out, sparing a second read of the whole file.
            MD5Hash md5 = MD5Hash.newInstance(digest.digest());
            MD5FileUtil.saveMD5File(target, md5);
            Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
            // Both new names durable before Ratis hears of the snapshot and purges the log behind it: after a power
            // loss the directory could otherwise hold neither, and the log they replace would be gone.
            syncDirectory.sync(target.toPath().getParent());
            storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), ti));
            durable.accumulateAndGet(ti.getIndex(), Math::max);
            log.info("snapshot at index {} (term {}, revision {}) written: {} bytes in {} ms", ti.getIndex(),
                    ti.getTerm(), info.revision(), Files.size(target.toPath()), (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            log.error("snapshot at {} could not be published", ti, e);
            deleteQuietly(tmp);
        }
    }

    /** A snapshot received from the leader (Ratis wrote and named it) is now the newest one. */
    void installed(long index) {
        durable.accumulateAndGet(index, Math::max);
    }

    /** The index of the newest snapshot that is durable; see {@link #take}. */
    long durableIndex() {
        return durable.get();
    }

    private long latestIndex() {
        SingleFileSnapshotInfo s = latest(storage);
        return s == null ? RaftLog.INVALID_LOG_INDEX : s.getIndex();
    }

    /**
     * The newest snapshot. Ratis 3.3's {@code getLatestSnapshot()} looks on disk while none is known, and throws a
     * NullPointerException if the snapshot writer publishes the first snapshot meanwhile (it then compares the
     * "none found" it read with the published one). That killed the apply thread once in the fault suite. The
     * snapshot is published by then, so asking again returns it.
     */
    static SingleFileSnapshotInfo latest(SimpleStateMachineStorage storage) {
        try {
            return storage.getLatestSnapshot();
        } catch (NullPointerException raced) {
            return storage.getLatestSnapshot();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a stray temporary file is removed by the next successful snapshot's cleanup
        }
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }

    /**
     * Writes to a file and syncs it every {@link #SYNC_EVERY} bytes. The Raft log and the store share the disk with
     * the snapshot, and their small fsyncs queue behind whatever the snapshot left dirty: one fsync of a whole 48 MB
     * snapshot at the end stalled commits cluster-wide by 200+ ms (every member snapshots at about the same index).
     */
    private static final class SyncingOutput extends OutputStream {
        static final long SYNC_EVERY = 4L << 20;
        private final java.nio.channels.FileChannel ch;
        private long unsynced;

        SyncingOutput(java.nio.channels.FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b, off, len);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            unsynced += len;
            if (unsynced >= SYNC_EVERY) {
                ch.force(false);
                unsynced = 0;
            }
        }
    }
}
