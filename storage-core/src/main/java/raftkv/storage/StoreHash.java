package raftkv.storage;

import java.util.Iterator;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Computes {@link KvHash}: CRC32C over every record (revision key and value) at or below the revision, where
 * records at or below the compaction revision count only if compaction keeps them. The records are read without
 * the store lock (history at or below a revision never changes); the maintenance lock keeps compaction's deletions
 * and backend swaps out of the way meanwhile.
 */
final class StoreHash {

    private StoreHash() {
    }

    static KvHash compute(MvccStore s, long rev) {
        long stamp = s.maintenance.readLock();
        try {
            long target;
            long compact;
            RevisionSet keep;
            s.lock.readLock().lock();
            try {
                if (s.isClosed()) {
                    throw new StorageException(ErrorCode.STORE_CLOSED);
                }
                target = rev <= 0 ? s.currentRev : rev;
                if (target > s.currentRev) {
                    throw new StorageException(ErrorCode.FUTURE_REVISION);
                }
                if (target < s.compactRev) {
                    throw new StorageException(ErrorCode.COMPACTED);
                }
                compact = s.compactRev;
                keep = new RevisionSet();
                s.index.keep(compact, keep::add);
                keep.seal();
            } finally {
                s.lock.readLock().unlock();
            }
            CRC32C crc = new CRC32C();
            Iterator<Map.Entry<byte[], byte[]>> it = s.backend.scan(new byte[0],
                    Revision.toBytes(Revision.pack(target + 1, 0)));
            while (it.hasNext()) {
                Map.Entry<byte[], byte[]> e = it.next();
                long r = Revision.fromBytes(e.getKey());
                if (Revision.mainOf(r) <= compact && !keep.contains(r)) {
                    continue;
                }
                crc.update(e.getKey());
                crc.update(e.getValue());
            }
            return new KvHash(crc.getValue(), target, compact);
        } finally {
            s.maintenance.unlockRead(stamp);
        }
    }
}
