package raftkv.storage;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.storage.backend.Backend;
import raftkv.storage.backend.DataDirectory;
import raftkv.storage.backend.Meta;

/**
 * Defragmentation: MapDB never shrinks its file, so the live records are copied into a fresh generation, which
 * then replaces the old one. Like etcd's defrag, it blocks the store while it copies. Records that a finished or
 * interrupted compaction no longer needs are left behind, so defragment also completes compaction.
 */
final class StoreDefrag {

    private static final Logger log = LoggerFactory.getLogger(StoreDefrag.class);

    private StoreDefrag() {
    }

    static void run(MvccStore s, DataDirectory dir) {
        long t0 = System.nanoTime();
        long stamp = s.maintenance.writeLock();
        s.commitLock.lock();
        s.lock.writeLock().lock();
        Path next = null;
        try {
            if (s.isClosed()) {
                throw new StorageException(ErrorCode.STORE_CLOSED);
            }
            long before = s.backend.sizeOnDisk();
            s.commitNow();
            RevisionSet keep = new RevisionSet();
            s.index.keep(s.compactRev, keep::add);
            keep.seal();
            long compact = s.compactRev;
            Iterator<Map.Entry<byte[], byte[]>> all = s.backend.scan(new byte[0], null);
            Iterator<Map.Entry<byte[], byte[]>> live = new Iterator<>() {
                private Map.Entry<byte[], byte[]> ahead = advance();

                private Map.Entry<byte[], byte[]> advance() {
                    while (all.hasNext()) {
                        Map.Entry<byte[], byte[]> e = all.next();
                        long r = Revision.fromBytes(e.getKey());
                        if (Revision.mainOf(r) > compact || keep.contains(r)) {
                            return e;
                        }
                    }
                    return null;
                }

                @Override
                public boolean hasNext() {
                    return ahead != null;
                }

                @Override
                public Map.Entry<byte[], byte[]> next() {
                    Map.Entry<byte[], byte[]> e = ahead;
                    ahead = advance();
                    return e;
                }
            };
            Map<Long, byte[]> leases = new TreeMap<>();
            s.backend.forEachLease(leases::put);
            Meta meta = s.backend.meta();
            meta = meta.withFinishedCompact(meta.scheduledCompact());
            next = dir.prepareNext();
            Backend fresh = Backend.build(next, live, leases, meta);
            StoreRecovery.Recovered recovered = StoreRecovery.load(fresh);
            swapLocked(s, dir, next, fresh, recovered);
            next = null;
            log.info("defragmented {}: {} bytes before, {} after, in {} ms", dir.root(), before,
                    fresh.sizeOnDisk(), (System.nanoTime() - t0) / 1_000_000);
        } finally {
            if (next != null) {
                dir.discard(next);
            }
            s.lock.writeLock().unlock();
            s.commitLock.unlock();
            s.maintenance.unlockWrite(stamp);
        }
    }

    /** Replaces the live backend with {@code fresh}, built in generation {@code next}. Takes every lock itself. */
    static void swap(MvccStore s, DataDirectory dir, Path next, Backend fresh, StoreRecovery.Recovered recovered) {
        long stamp = s.maintenance.writeLock();
        s.commitLock.lock();
        s.lock.writeLock().lock();
        try {
            if (s.isClosed()) {
                fresh.close();
                dir.discard(next);
                throw new StorageException(ErrorCode.STORE_CLOSED);
            }
            swapLocked(s, dir, next, fresh, recovered);
        } finally {
            s.lock.writeLock().unlock();
            s.commitLock.unlock();
            s.maintenance.unlockWrite(stamp);
        }
        s.fireReplaced();
    }

    private static void swapLocked(MvccStore s, DataDirectory dir, Path next, Backend fresh,
                                   StoreRecovery.Recovered recovered) {
        Backend old = s.backend;
        Path oldDir = dir.switchTo(next);
        old.close();
        dir.discard(oldDir);
        s.install(fresh, recovered);
        s.resumeCompactionIfInterrupted();
    }
}
