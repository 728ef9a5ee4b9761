package raftkv.storage.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.LongConsumer;
import raftkv.storage.Bytes;
import raftkv.storage.KeyRange;

/**
 * The in-memory index over every key: a sorted map from key bytes to the key's {@link KeyIndex}. It answers
 * "which revision holds key K at revision R" without touching the disk, and it is rebuilt from the backend when a
 * store opens.
 *
 * <p>Not thread-safe: {@code MvccStore} guards every call with its store lock (reads shared, writes exclusive).
 */
public final class TreeIndex {

    private final TreeMap<byte[], KeyIndex> tree = new TreeMap<>(Bytes.ORDER);

    public void put(byte[] key, long rev) {
        tree.computeIfAbsent(key, KeyIndex::new).put(rev);
    }

    /** Replays a put while rebuilding from the backend; see {@link KeyIndex#restorePut}. */
    public void restorePut(byte[] key, long rev, long createdMain, long version) {
        tree.computeIfAbsent(key, KeyIndex::new).restorePut(rev, createdMain, version);
    }

    /** Records a delete; false (and nothing changes) when the key is not live. */
    public boolean tombstone(byte[] key, long rev) {
        KeyIndex ki = tree.get(key);
        return ki != null && ki.tombstone(rev);
    }

    /** The version of {@code key} visible at main revision {@code atMain}, or null. */
    public IndexEntry get(byte[] key, long atMain) {
        KeyIndex ki = tree.get(key);
        return ki == null ? null : ki.get(atMain);
    }

    /**
     * The keys of {@code range} that exist at {@code atMain}, in key order, at most {@code limit} of them
     * ({@code limit <= 0}: all), with the total number that exist.
     */
    public RangeHits range(KeyRange range, long atMain, int limit) {
        List<IndexEntry> hits = new ArrayList<>();
        int total = 0;
        for (KeyIndex ki : keysIn(range)) {
            IndexEntry e = ki.get(atMain);
            if (e == null) {
                continue;
            }
            total++;
            if (limit <= 0 || hits.size() < limit) {
                hits.add(e);
            }
        }
        return new RangeHits(hits, total);
    }

    /** How many keys of {@code range} exist at {@code atMain}. */
    public int count(KeyRange range, long atMain) {
        int total = 0;
        for (KeyIndex ki : keysIn(range)) {
            if (ki.existsAt(atMain)) {
                total++;
            }
        }
        return total;
    }

    /** The revisions of {@code key} at or after main revision {@code sinceMain}. */
    public long[] since(byte[] key, long sinceMain) {
        KeyIndex ki = tree.get(key);
        return ki == null ? new long[0] : ki.since(sinceMain);
    }

    /** The number of keys with any revision left in the index (live keys and deleted ones not yet compacted). */
    public int size() {
        return tree.size();
    }

    /** The number of live keys. */
    public int liveKeys() {
        int n = 0;
        for (KeyIndex ki : tree.values()) {
            if (ki.isLive()) {
                n++;
            }
        }
        return n;
    }

    /**
     * Compacts at most {@code maxKeys} keys, starting with the first key at or after {@code fromKey} (null: the first
     * key), reporting what must stay in the backend to {@code keep}. Returns the key to continue from, or null when
     * every key has been compacted. Working in chunks keeps the store lock's hold time bounded.
     */
    public byte[] compact(long atMain, byte[] fromKey, int maxKeys, LongConsumer keep) {
        NavigableMap<byte[], KeyIndex> rest = fromKey == null ? tree : tree.tailMap(fromKey, true);
        Iterator<Map.Entry<byte[], KeyIndex>> it = rest.entrySet().iterator();
        int done = 0;
        while (it.hasNext()) {
            Map.Entry<byte[], KeyIndex> e = it.next();
            if (done == maxKeys) {
                return e.getKey();
            }
            KeyIndex ki = e.getValue();
            ki.compact(atMain, keep);
            if (ki.isEmpty()) {
                it.remove();
            }
            done++;
        }
        return null;
    }

    /** Reports, without changing anything, every revision at or below {@code atMain} that compaction would keep. */
    public void keep(long atMain, LongConsumer keep) {
        for (KeyIndex ki : tree.values()) {
            ki.keep(atMain, keep);
        }
    }

    public void clear() {
        tree.clear();
    }

    private Iterable<KeyIndex> keysIn(KeyRange range) {
        if (range.isSingleKey()) {
            KeyIndex ki = tree.get(range.key());
            return ki == null ? List.of() : List.of(ki);
        }
        if (range.isUnbounded()) {
            return tree.tailMap(range.key(), true).values();
        }
        if (Bytes.compare(range.end(), range.key()) <= 0) {
            return List.of();
        }
        return tree.subMap(range.key(), true, range.end(), false).values();
    }

    /** Index lookups for a range: the first {@code limit} hits and the total count. */
    public record RangeHits(List<IndexEntry> hits, int total) {
    }

    @Override
    public String toString() {
        return "TreeIndex" + Arrays.toString(tree.values().toArray());
    }
}
