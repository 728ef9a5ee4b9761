package raftkv.storage;

import java.util.Iterator;
import java.util.Map;
import java.util.zip.CRC32C;
import raftkv.storage.backend.Backend;

/**
 * Computes {@link KvHash}: CRC32C over every record (revision key and value) at or below the revision, where
 * records at or below the compaction revision count only if compaction keeps them. Runs on the caller's thread, in
 * two steps: {@link #fix} under the store's shared lock, then {@link #compute}, which reads the records without it
 * (history at or below a revision never changes) while the store holds the maintenance lock, which keeps
 * compaction's deletions and backend swaps out of the way.
 */
final class StoreHash {

    private StoreHash() {
    }

    /** What a hash covers: the records of {@code backend} at or below {@code target}, as compaction leaves them. */
    record Point(Backend backend, long target, long compact, RevisionSet keep) {
    }

    /** Fixes the revision to hash at ({@code rev}, or the current one for 0) and what compaction keeps below it. */
    static Point fix(LockedState s, long rev) {
        long target = rev <= 0 ? s.currentRev() : rev;
        if (target > s.currentRev()) {
            throw new StorageException(ErrorCode.FUTURE_REVISION);
        }
        if (target < s.compactRev()) {
            throw new StorageException(ErrorCode.COMPACTED);
        }
        long compact = s.compactRev();
        RevisionSet keep = new RevisionSet();
        s.index().keep(compact, keep::add);
        keep.seal();
        return new Point(s.backend(), target, compact, keep);
    }

    static KvHash compute(Point p) {
        CRC32C crc = new CRC32C();
        Iterator<Map.Entry<byte[], byte[]>> it = p.backend().scan(new byte[0],
                Revision.toBytes(Revision.pack(p.target() + 1, 0)));
        while (it.hasNext()) {
            Map.Entry<byte[], byte[]> e = it.next();
            long r = Revision.fromBytes(e.getKey());
            if (Revision.mainOf(r) <= p.compact() && !p.keep().contains(r)) {
                continue;
            }
            crc.update(e.getKey());
            crc.update(e.getValue());
        }
        return new KvHash(crc.getValue(), p.target(), p.compact());
    }
}
