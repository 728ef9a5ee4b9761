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
import raftkv.storage.MvccStore;
import raftkv.storage.StoreSnapshot;

/**
 * Takes Ratis snapshots through the store's snapshot API without stalling the apply thread.
 *
 * <p>Ratis calls {@code takeSnapshot} on its apply thread and purges the log up to the index returned. So the
 * consistent point is fixed there (cheap), the dump is written on a background thread, and {@link #take} always
 * returns the index of the newest <em>completed</em> snapshot: the log is purged only behind a snapshot that is
 * durable on disk, and writes go on while a large dump is written.
 */
final class Snapshotter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Snapshotter.class);

    private final SimpleStateMachineStorage storage;
    private final long threshold;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "raftkv-snapshot-writer");
        t.setDaemon(true);
        return t;
    });
    /** The dump being written, if any. Owned by the apply thread. */
    private Future<?> inProgress;

    Snapshotter(SimpleStateMachineStorage storage, long threshold) {
        this.storage = storage;
        this.threshold = threshold;
    }

    /** On the apply thread: starts a dump if none is running and enough has been applied; see the class comment. */
    long take(MvccStore store) {
        long latest = latestIndex();
        if (inProgress == null || inProgress.isDone()) {
            inProgress = null;
            long applied = store.appliedIndex().index();
            if (applied > 0 && applied - latest >= threshold) {
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
        try (point; OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            point.writeTo(out);
        } catch (IOException | RuntimeException e) {
            log.error("snapshot at {} failed; the log stays until the next one succeeds", ti, e);
            deleteQuietly(tmp);
            return;
        }
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            // The MD5 file first: Ratis may list the directory at any moment, and a snapshot without it is suspect.
            MD5Hash md5 = MD5FileUtil.computeMd5ForFile(tmp.toFile());
            MD5FileUtil.saveMD5File(target, md5);
            Files.move(tmp, target.toPath(), StandardCopyOption.ATOMIC_MOVE);
            storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target.toPath(), md5), ti));
            log.info("snapshot at index {} (term {}, revision {}) written: {} bytes in {} ms", ti.getIndex(),
                    ti.getTerm(), info.revision(), Files.size(target.toPath()), (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            log.error("snapshot at {} could not be published", ti, e);
            deleteQuietly(tmp);
        }
    }

    long latestIndex() {
        SingleFileSnapshotInfo s = storage.getLatestSnapshot();
        return s == null ? RaftLog.INVALID_LOG_INDEX : s.getIndex();
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
}
