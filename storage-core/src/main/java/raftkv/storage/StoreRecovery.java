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
import raftkv.storage.backend.RecordCodec;
import raftkv.storage.index.TreeIndex;
import raftkv.storage.lease.LeaseTable;

/**
 * Rebuilds the in-memory state from a backend, when a store opens and for the generation a restore or defragment
 * builds: the leases, the key index (by replaying every record in revision order, as etcd's {@code restore} does)
 * and which key is attached to which lease; and replaces a torn store by an empty one. Works only on the backend or
 * directory it is given, on the caller's thread, never on a live store.
 */
final class StoreRecovery {

    private static final Logger log = LoggerFactory.getLogger(StoreRecovery.class);

    private StoreRecovery() {
    }

    /** What a store holds in memory, as read from a backend. */
    record Recovered(Meta meta, TreeIndex index, LeaseTable leases, raftkv.storage.auth.AuthState auth) {
    }

    /** A generation built beside the live one (by restore or defragment), with its state, ready to be swapped in. */
    record Generation(Path path, Backend backend, Recovered recovered) {
    }

    /** See {@link MvccStore#discardTorn}: an empty generation replaces the live, torn one of {@code dir}. */
    static long discardTorn(DataDirectory dir) {
        Path torn = dir.current();
        long size = Backend.sizeOnDisk(torn);
        Path empty = dir.prepareNext();
        Backend.open(empty).close();
        dir.discard(dir.switchTo(empty));
        log.warn("discarded the torn store {} ({} bytes); it is empty now", torn, size);
        return size;
    }

    /** Reads meta, leases and the index from {@code backend}, without touching any live store. */
    static Recovered load(Backend backend) {
        Meta meta = backend.meta();
        // Decoded here, before anything is swapped in: auth bytes that do not decode refuse the whole generation.
        raftkv.storage.auth.AuthState auth = raftkv.storage.auth.AuthCodec.decode(meta.auth());
        TreeIndex index = new TreeIndex();
        LeaseTable leases = new LeaseTable();
        rebuild(backend, index, leases, meta.revision());
        return new Recovered(meta, index, leases, auth);
    }

    private static void rebuild(Backend backend, TreeIndex index, LeaseTable leases, long currentRev) {
        backend.forEachLease((id, rec) -> leases.add(id, LeaseCodec.decodeTtl(rec)));

        // The lease of each key's newest version; only keys with a lease are tracked, to keep it small.
        TreeMap<byte[], Long> leaseOfKey = new TreeMap<>(Bytes.ORDER);
        Iterator<Map.Entry<byte[], byte[]>> it = backend.scan(new byte[0], null);
        long records = 0;
        while (it.hasNext()) {
            Map.Entry<byte[], byte[]> e = it.next();
            byte[] revKey = e.getKey();
            byte[] rec = e.getValue();
            long rev = Revision.fromBytes(revKey);
            if (Revision.mainOf(rev) > currentRev) {
                throw new IllegalStateException("backend holds revision " + Revision.unpack(rev)
                        + " beyond the committed revision " + currentRev + ": the database is inconsistent");
            }
            RecordCodec.Header h = RecordCodec.header(rec);
            byte[] key = h.key();
            if (Revision.isTombstone(revKey)) {
                if (!index.tombstone(key, rev)) {
                    log.warn("ignoring tombstone at {} of {}, which is not live", Revision.unpack(rev),
                            Bytes.show(key));
                }
                leaseOfKey.remove(key);
            } else {
                index.restorePut(key, rev, h.createRevision(), h.version());
                if (h.lease() != 0) {
                    leaseOfKey.put(key, h.lease());
                } else {
                    leaseOfKey.remove(key);
                }
            }
            records++;
        }
        for (Map.Entry<byte[], Long> e : leaseOfKey.entrySet()) {
            if (leases.contains(e.getValue())) {
                leases.attach(e.getKey(), e.getValue());
            } else {
                log.warn("key {} refers to lease {}, which does not exist", Bytes.show(e.getKey()), e.getValue());
            }
        }
        log.debug("rebuilt index from {} records: {} keys, {} leases", records, index.size(), leases.size());
    }
}
