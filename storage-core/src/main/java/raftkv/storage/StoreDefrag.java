package raftkv.storage;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.storage.backend.Backend;
import raftkv.storage.backend.DataDirectory;
import raftkv.storage.backend.Meta;

/**
 * Defragmentation: MapDB never shrinks its file, so the live records are copied into a fresh generation, which
 * then replaces the old one. Like etcd's defrag, it blocks the store while it copies: it runs on the caller's thread
 * while {@link MvccStore#defragment} holds every lock exclusively. Records that a finished or interrupted compaction
 * no longer needs are left behind, so defragment also completes compaction.
 */
final class StoreDefrag {

    private static final Logger log = LoggerFactory.getLogger(StoreDefrag.class);

    private StoreDefrag() {
    }

    /**
     * Copies the live records of {@code live} (whose backend has just committed) into the next generation of
     * {@code dir} and hands it to {@code swap}; the generation is deleted again if anything fails before the swap is
     * done. {@code sizeBefore} and {@code t0} are for the log.
     */
    static void run(LockedState live, DataDirectory dir, Consumer<StoreRecovery.Generation> swap, long sizeBefore,
                    long t0) {
        Path next = null;
        try {
            RevisionSet keep = new RevisionSet();
            live.index().keep(live.compactRev(), keep::add);
            keep.seal();
            long compact = live.compactRev();
            Iterator<Map.Entry<byte[], byte[]>> all = live.backend().scan(new byte[0], null);
            Iterator<Map.Entry<byte[], byte[]>> kept = new Iterator<>() {
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
            live.backend().forEachLease(leases::put);
            Meta meta = live.backend().meta();
            meta = meta.withFinishedCompact(meta.scheduledCompact());
            next = dir.prepareNext();
            Backend fresh = Backend.build(next, kept, leases, meta);
            StoreRecovery.Recovered recovered = StoreRecovery.load(fresh);
            swap.accept(new StoreRecovery.Generation(next, fresh, recovered));
            next = null;
            log.info("defragmented {}: {} bytes before, {} after, in {} ms", dir.root(), sizeBefore,
                    fresh.sizeOnDisk(), (System.nanoTime() - t0) / 1_000_000);
        } finally {
            if (next != null) {
                dir.discard(next);
            }
        }
    }
}
