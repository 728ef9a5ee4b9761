package raftkv.raft.watch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import raftkv.storage.KeyRange;

/**
 * The synced watchers, grouped so that an event does not test every watcher (etcd's watcherGroup): watchers of
 * a single key in a hash map by key, watchers of a range grouped by their (identical) range, so that the ranges
 * tested per event are the distinct ranges watched, not the watchers. Owned by the dispatcher thread.
 */
final class WatcherGroup {

    private final Map<Key, Set<Watcher>> byKey = new HashMap<>();
    private final Map<KeyRange, Set<Watcher>> byRange = new HashMap<>();
    private int size;

    /** A byte[] key with value equality. */
    private record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && java.util.Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }
    }

    void add(Watcher w) {
        KeyRange r = w.spec.range();
        Set<Watcher> set = r.isSingleKey() ? byKey.computeIfAbsent(new Key(r.key()), k -> new LinkedHashSet<>())
                : byRange.computeIfAbsent(r, k -> new LinkedHashSet<>());
        if (set.add(w)) {
            size++;
        }
    }

    void remove(Watcher w) {
        KeyRange r = w.spec.range();
        Map<?, Set<Watcher>> map = r.isSingleKey() ? byKey : byRange;
        Object k = r.isSingleKey() ? new Key(r.key()) : r;
        Set<Watcher> set = map.get(k);
        if (set != null && set.remove(w)) {
            size--;
            if (set.isEmpty()) {
                map.remove(k);
            }
        }
    }

    /** The watchers interested in {@code key}. */
    List<Watcher> matching(byte[] key) {
        List<Watcher> out = new ArrayList<>();
        Set<Watcher> exact = byKey.get(new Key(key));
        if (exact != null) {
            out.addAll(exact);
        }
        for (Map.Entry<KeyRange, Set<Watcher>> e : byRange.entrySet()) {
            if (e.getKey().contains(key)) {
                out.addAll(e.getValue());
            }
        }
        return out;
    }

    List<Watcher> all() {
        List<Watcher> out = new ArrayList<>(size);
        byKey.values().forEach(out::addAll);
        byRange.values().forEach(out::addAll);
        return out;
    }

    void clear() {
        byKey.clear();
        byRange.clear();
        size = 0;
    }

    int size() {
        return size;
    }
}
