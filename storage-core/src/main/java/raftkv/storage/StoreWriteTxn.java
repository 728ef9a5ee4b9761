package raftkv.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import raftkv.storage.backend.RecordCodec;
import raftkv.storage.index.IndexEntry;
import raftkv.storage.index.TreeIndex;

/**
 * The write transaction, as etcd's {@code storeTxnWrite}: holds commitLock and the exclusive store lock from open to
 * close. Owned by the thread that opened it.
 */
final class StoreWriteTxn implements WriteTxn {

    private final MvccStore store;
    final long beginRev;
    private final List<KeyValue> changes = new ArrayList<>();
    private boolean closed;

    StoreWriteTxn(MvccStore store, long beginRev) {
        this.store = store;
        this.beginRev = beginRev;
    }

    @Override
    public long revision() {
        return changes.isEmpty() ? beginRev : beginRev + 1;
    }

    @Override
    public RangeResult range(KeyRange range, RangeOptions options) {
        checkOpen();
        return store.rangeKeys(range, revision(), options);
    }

    @Override
    public long put(byte[] key, byte[] value, long lease) {
        checkOpen();
        long rev = beginRev + 1;
        long packed = nextRevision();
        IndexEntry prev = store.index.get(key, rev);
        long created = prev == null ? rev : prev.createMain();
        long version = prev == null ? 1 : prev.version() + 1;
        KeyValue kv = new KeyValue(key, created, rev, version, value, lease);
        store.backend.put(Revision.toBytes(packed), RecordCodec.encodePut(kv));
        store.index.put(key, packed);
        changes.add(kv);
        long oldLease = prev == null ? 0 : store.leases.leaseOf(key);
        if (oldLease != lease) {
            if (oldLease != 0) {
                store.leases.detach(key);
            }
            if (lease != 0) {
                store.leases.attach(key, lease);
            }
        }
        return rev;
    }

    @Override
    public long deleteRange(KeyRange range) {
        checkOpen();
        TreeIndex.RangeHits hits = store.index.range(range, revision(), 0);
        if (changes.size() + (long) hits.hits().size() > Revision.MAX_SUB + 1) {
            throw new StorageException(ErrorCode.TOO_MANY_KEYS);
        }
        for (IndexEntry e : hits.hits()) {
            delete(e.key());
        }
        return hits.hits().size();
    }

    private void delete(byte[] key) {
        long rev = beginRev + 1;
        long packed = nextRevision();
        store.backend.put(Revision.toBytes(packed, true), RecordCodec.encodeTombstone(key));
        if (!store.index.tombstone(key, packed)) {
            throw new IllegalStateException("delete of a key that is not live: " + Bytes.show(key));
        }
        changes.add(KeyValue.tombstone(key, rev));
        store.leases.detach(key);
    }

    private long nextRevision() {
        if (changes.size() > Revision.MAX_SUB) {
            throw new StorageException(ErrorCode.TOO_MANY_KEYS);
        }
        return Revision.pack(beginRev + 1, changes.size());
    }

    @Override
    public List<KeyValue> changes() {
        return Collections.unmodifiableList(changes);
    }

    /** Records that bookkeeping (a lease grant or revoke) changed, so that the next group commit includes it. */
    void markDirty() {
        store.markDirty();
    }

    boolean leaseExists(long id) {
        return store.leases.contains(id);
    }

    /** Keys live in {@code range} at this txn's start: an upper bound on what a delete in it can remove. */
    long countAtStart(KeyRange range) {
        return store.index.count(range, beginRev);
    }

    long compactRevision() {
        return store.compactRev;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("write txn is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            store.endWrite(this);
        }
    }
}
