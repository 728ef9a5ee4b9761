package raftkv.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import raftkv.storage.backend.RecordCodec;
import raftkv.storage.index.IndexEntry;
import raftkv.storage.index.TreeIndex;
import raftkv.storage.lease.Lease;

/**
 * The write transaction, as etcd's {@code storeTxnWrite}: the store holds commitLock and its exclusive lock for it
 * from open to {@link #close()}, so it writes the index, the leases and the backend of its {@link LockedState}
 * freely; the store publishes the new revision when it closes. Owned by the thread that opened it.
 */
final class StoreWriteTxn implements WriteTxn {

    private final MvccStore store;
    private final LockedState state;
    private final long beginRev;
    private final List<KeyValue> changes = new ArrayList<>();
    private boolean leasesChanged;
    private boolean closed;

    StoreWriteTxn(MvccStore store, LockedState state) {
        this.store = store;
        this.state = state;
        this.beginRev = state.currentRev();
    }

    /** The store's revision when the txn began. */
    long beginRevision() {
        return beginRev;
    }

    @Override
    public long revision() {
        return changes.isEmpty() ? beginRev : beginRev + 1;
    }

    @Override
    public RangeResult range(KeyRange range, RangeOptions options) {
        checkOpen();
        return state.range(range, revision(), options);
    }

    @Override
    public long put(byte[] key, byte[] value, long lease) {
        checkOpen();
        long rev = beginRev + 1;
        long packed = nextRevision();
        IndexEntry prev = state.index().get(key, rev);
        long created = prev == null ? rev : prev.createMain();
        long version = prev == null ? 1 : prev.version() + 1;
        KeyValue kv = new KeyValue(key, created, rev, version, value, lease);
        state.backend().put(Revision.toBytes(packed), RecordCodec.encodePut(kv));
        state.index().put(key, packed);
        changes.add(kv);
        long oldLease = prev == null ? 0 : state.leases().leaseOf(key);
        if (oldLease != lease) {
            if (oldLease != 0) {
                state.leases().detach(key);
            }
            if (lease != 0) {
                state.leases().attach(key, lease);
            }
        }
        return rev;
    }

    @Override
    public long deleteRange(KeyRange range) {
        checkOpen();
        TreeIndex.RangeHits hits = state.index().range(range, revision(), 0);
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
        state.backend().put(Revision.toBytes(packed, true), RecordCodec.encodeTombstone(key));
        if (!state.index().tombstone(key, packed)) {
            throw new IllegalStateException("delete of a key that is not live: " + Bytes.show(key));
        }
        changes.add(KeyValue.tombstone(key, rev));
        state.leases().detach(key);
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

    /** See {@link MvccStore#grant}. */
    Lease grantLease(long id, long ttlSeconds) {
        if (state.leases().contains(id)) {
            throw new StorageException(ErrorCode.LEASE_EXISTS);
        }
        state.backend().putLease(id, LeaseCodec.encode(ttlSeconds));
        leasesChanged = true;
        return state.leases().add(id, ttlSeconds);
    }

    /** See {@link MvccStore#revoke}. */
    long revokeLease(long id) {
        Lease l = state.leases().get(id);
        if (l == null) {
            throw new StorageException(ErrorCode.LEASE_NOT_FOUND);
        }
        List<byte[]> keys = l.keys();
        if (keys.size() > Revision.MAX_SUB + 1) {
            throw new StorageException(ErrorCode.TOO_MANY_KEYS);
        }
        for (byte[] k : keys) {
            deleteRange(KeyRange.single(k));
        }
        state.leases().remove(id);
        state.backend().removeLease(id);
        leasesChanged = true;
        return revision();
    }

    /**
     * Whether a lease was granted or revoked: bookkeeping, not a change of a key, that the next group commit must
     * include all the same.
     */
    boolean leasesChanged() {
        return leasesChanged;
    }

    boolean leaseExists(long id) {
        return state.leases().contains(id);
    }

    /** Keys live in {@code range} at this txn's start: an upper bound on what a delete in it can remove. */
    long countAtStart(KeyRange range) {
        return state.index().count(range, beginRev);
    }

    long compactRevision() {
        return state.compactRev();
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
