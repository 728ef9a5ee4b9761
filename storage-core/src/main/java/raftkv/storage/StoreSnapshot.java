package raftkv.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.storage.backend.Backend;
import raftkv.storage.backend.DataDirectory;
import raftkv.storage.backend.Meta;
import raftkv.storage.backend.SnapshotFormat;
import raftkv.storage.lease.Lease;

/**
 * A consistent point of the store, fixed between two applied entries, and the stream written from it.
 *
 * <p>The store is MVCC: every record at or below the snapshot's revision stays as it is while new writes land
 * above it, so the dump needs no lock on writers. Only backend compaction could remove records under it, and it
 * waits: the store holds its maintenance lock (shared) for the snapshot from {@link MvccStore#openSnapshot()} until
 * {@link #close()}, which may be called from any thread and hands the lock back.
 */
public final class StoreSnapshot implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StoreSnapshot.class);

    /** What a snapshot holds: the applied entry and the revisions it was taken at. */
    public record Info(long appliedTerm, long appliedIndex, long revision, long compactRevision, long records) {
    }

    /** Hands the store's maintenance lock back; run once, by {@link #close()}. */
    private final Runnable release;
    private final Meta meta;
    private final Map<Long, byte[]> leases;
    private final Backend backend;
    private long records = -1;
    private boolean closed;

    private StoreSnapshot(Runnable release, Meta meta, Map<Long, byte[]> leases, Backend backend) {
        this.release = release;
        this.meta = meta;
        this.leases = leases;
        this.backend = backend;
    }

    /**
     * A snapshot of {@code s} described by {@code meta}; called by the store between applied entries, holding the
     * maintenance lock (shared, until {@code release}) and the store lock (shared, for this call: the lease table is
     * copied here).
     */
    static StoreSnapshot at(LockedState s, Meta meta, Runnable release) {
        Map<Long, byte[]> leases = new TreeMap<>();
        for (Lease l : s.leases().all()) {
            leases.put(l.id(), LeaseCodec.encode(l.ttlSeconds()));
        }
        return new StoreSnapshot(release, meta, leases, s.backend());
    }

    public Info info() {
        return new Info(meta.appliedTerm(), meta.appliedIndex(), meta.revision(), meta.compactRevision(), records);
    }

    /** Streams the snapshot to {@code out} (not closed). May run on any thread while writes go on. */
    public void writeTo(OutputStream out) {
        if (closed) {
            throw new IllegalStateException("snapshot is closed");
        }
        long t0 = System.nanoTime();
        records = write(out);
        log.info("wrote snapshot at applied index {} (revision {}): {} records in {} ms", meta.appliedIndex(),
                meta.revision(), records, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The length in bytes of the stream {@link #writeTo} writes, for a sender that announces what remains (etcd's
     * {@code remaining_bytes}). Counted by writing the stream to nowhere: a second pass over the records, exact
     * because nothing at or below the snapshot's revision changes while it is open.
     */
    public long size() {
        if (closed) {
            throw new IllegalStateException("snapshot is closed");
        }
        long[] n = {0};
        write(new OutputStream() {
            @Override
            public void write(int b) {
                n[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                n[0] += len;
            }
        });
        return n[0];
    }

    private long write(OutputStream out) {
        try {
            return SnapshotFormat.write(out, meta, leases, backend.scan(new byte[0],
                    Revision.toBytes(Revision.pack(meta.revision() + 1, 0))));
        } catch (IOException e) {
            throw new UncheckedIOException("writing snapshot failed", e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release.run();
        }
    }

    /**
     * See {@link MvccStore#restore}: reads and checks the stream into the next generation of {@code dir}, then hands
     * it to {@code swap}, which makes it live. Runs on the caller's thread, without any of the store's locks until
     * {@code swap}.
     */
    static Info restore(InputStream in, DataDirectory dir, Consumer<StoreRecovery.Generation> swap) {
        long t0 = System.nanoTime();
        Path next = dir.prepareNext();
        Backend built;
        StoreRecovery.Recovered recovered;
        try {
            built = SnapshotFormat.read(in, next);
        } catch (IOException e) {
            dir.discard(next);
            log.warn("refused snapshot: {}", e.getMessage());
            throw new StorageException(ErrorCode.CORRUPT_SNAPSHOT, ErrorCode.CORRUPT_SNAPSHOT.message() + ": "
                    + e.getMessage(), e);
        }
        try {
            recovered = StoreRecovery.load(built);
        } catch (RuntimeException e) {
            built.close();
            dir.discard(next);
            log.warn("refused snapshot: its records are inconsistent", e);
            throw new StorageException(ErrorCode.CORRUPT_SNAPSHOT, ErrorCode.CORRUPT_SNAPSHOT.message()
                    + ": inconsistent records: " + e.getMessage(), e);
        }
        swap.accept(new StoreRecovery.Generation(next, built, recovered));
        Meta m = recovered.meta();
        log.info("restored snapshot at applied index {} (revision {}, {} keys) in {} ms", m.appliedIndex(),
                m.revision(), recovered.index().size(), (System.nanoTime() - t0) / 1_000_000);
        return new Info(m.appliedTerm(), m.appliedIndex(), m.revision(), m.compactRevision(), built.recordCount());
    }
}
