package raftkv.storage;

import java.util.ArrayList;
import java.util.List;
import raftkv.storage.backend.Backend;
import raftkv.storage.backend.RecordCodec;
import raftkv.storage.index.TreeIndex;
import raftkv.storage.lease.LeaseTable;

/**
 * The store's state as it stands while {@link MvccStore} holds its store lock: the backend, the key index, the lease
 * table and the two revisions. MvccStore hands one to a helper (a transaction, a history read, a hash, a snapshot, a
 * defragment) instead of letting it reach into its fields, so that every lock is taken in MvccStore alone.
 *
 * <p>Valid only while that lock is held: a restore or defragment replaces every part of it, and each write moves the
 * revisions. Only the backend may be used longer, by a section that still holds the maintenance lock, because a
 * backend is closed only under that lock held exclusively. Under the shared store lock a helper only reads through
 * it; a write txn, which holds the lock exclusively, also writes the index, the leases and the backend, and MvccStore
 * publishes the new revision when the txn ends. Used on the thread holding the lock.
 */
record LockedState(Backend backend, TreeIndex index, LeaseTable leases, long currentRev, long compactRev) {

    /** Reads the version at packed revision {@code rev}. */
    KeyValue fetch(long rev) {
        byte[] rec = backend.get(Revision.toBytes(rev));
        if (rec == null) {
            throw new IllegalStateException("the index refers to revision " + Revision.unpack(rev)
                    + ", which the backend does not hold");
        }
        return RecordCodec.decode(rev, rec);
    }

    /** The raw MVCC range shared by read and write transactions, for a txn whose revision is {@code curRev}. */
    ReadTxn.RangeResult range(KeyRange range, long curRev, ReadTxn.RangeOptions ro) {
        long rev = ro.revision();
        if (rev > curRev) {
            throw new StorageException(ErrorCode.FUTURE_REVISION);
        }
        if (rev <= 0) {
            rev = curRev;
        }
        if (rev < compactRev) {
            throw new StorageException(ErrorCode.COMPACTED);
        }
        if (ro.countOnly()) {
            return new ReadTxn.RangeResult(List.of(), index.count(range, rev), curRev);
        }
        int limit = ro.limit() <= 0 || ro.limit() > Integer.MAX_VALUE ? 0 : (int) ro.limit();
        TreeIndex.RangeHits hits = index.range(range, rev, limit);
        List<KeyValue> kvs = new ArrayList<>(hits.hits().size());
        for (var e : hits.hits()) {
            kvs.add(fetch(e.modified()));
        }
        return new ReadTxn.RangeResult(kvs, hits.total(), curRev);
    }
}
