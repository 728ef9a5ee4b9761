package raftkv.storage;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import raftkv.storage.backend.RecordCodec;
import raftkv.storage.index.IndexEntry;

/**
 * Reads history as watch events, straight from the backend's revision order (etcd's unsynced watchers do the
 * same). Each event carries the version before it, found through the index at the previous revision. Runs on the
 * caller's thread, on the state the store holds under its shared lock for the call.
 */
final class StoreChanges {

    /** Records scanned per call at most, matching or not, so that one call never holds the lock for long. */
    private static final int MAX_SCAN_PER_EVENT = 64;

    private StoreChanges() {
    }

    static ChangeBatch read(LockedState s, long fromRev, KeyRange range, int maxEvents) {
        if (fromRev <= s.compactRev()) {
            // History at the compaction revision itself may have lost deletes; a watch must start above it.
            throw new StorageException(ErrorCode.COMPACTED);
        }
        long current = s.currentRev();
        if (fromRev > current) {
            return new ChangeBatch(List.of(), fromRev);
        }
        List<Event> events = new ArrayList<>();
        long maxScan = (long) maxEvents * MAX_SCAN_PER_EVENT;
        long scanned = 0;
        long lastMain = -1;
        Iterator<Map.Entry<byte[], byte[]>> it = s.backend().scan(Revision.toBytes(Revision.pack(fromRev, 0)),
                Revision.toBytes(Revision.pack(current + 1, 0)));
        while (it.hasNext()) {
            Map.Entry<byte[], byte[]> e = it.next();
            long rev = Revision.fromBytes(e.getKey());
            long main = Revision.mainOf(rev);
            if (main != lastMain && (events.size() >= maxEvents || scanned >= maxScan)) {
                return new ChangeBatch(events, main);
            }
            lastMain = main;
            scanned++;
            byte[] rec = e.getValue();
            byte[] key = RecordCodec.keyOf(rec);
            if (!range.contains(key)) {
                continue;
            }
            IndexEntry prev = s.index().get(key, main - 1);
            KeyValue prevKv = prev == null ? null : s.fetch(prev.modified());
            if (Revision.isTombstone(e.getKey())) {
                events.add(new Event(Event.Type.DELETE, KeyValue.tombstone(key, main), prevKv));
            } else {
                events.add(new Event(Event.Type.PUT, RecordCodec.decode(rev, rec), prevKv));
            }
        }
        return new ChangeBatch(events, current + 1);
    }
}
