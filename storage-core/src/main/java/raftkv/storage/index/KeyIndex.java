package raftkv.storage.index;

import java.util.Arrays;
import java.util.function.LongConsumer;
import raftkv.storage.Revision;

/**
 * The revisions of one key, grouped into generations, as etcd's {@code keyIndex}.
 *
 * <p>A generation runs from the put that creates the key to the delete that removes it; the delete's revision (the
 * tombstone) closes the generation and an empty generation opens after it. For example, key "foo" put at 1.0,
 * 2.0, deleted at 3.0, put at 4.0 and deleted at 5.0, then put at 6.0 looks like:
 *
 * <pre>
 *   generations:
 *     {6.0}                  (current generation, no tombstone yet)
 *     {4.0, 5.0(t)}
 *     {1.0, 2.0, 3.0(t)}
 * </pre>
 *
 * Compacting at revision N drops every revision at or below N except the newest one at or below N in each
 * generation still alive after N, because that one is what a read at N or above returns. A generation whose
 * tombstone is at or below N disappears entirely, and so does the key once it has no generation left. In the
 * example, compact(2) keeps {2.0, 3.0(t)} of the oldest generation; compact(4) removes it and keeps {4.0, 5.0(t)};
 * compact(5) leaves only {6.0}'s (empty so far) predecessor gone and the current generation.
 *
 * <p>Not thread-safe; {@link TreeIndex}'s owner guards it.
 */
final class KeyIndex {

    final byte[] key;
    /** The newest revision of any kind (put or tombstone) recorded for this key. */
    private long modified = -1;
    /** Oldest first; the last one is the current generation, empty after a tombstone. */
    private Generation[] generations = new Generation[] {new Generation()};

    KeyIndex(byte[] key) {
        this.key = key;
    }

    void put(long rev) {
        if (rev <= modified) {
            throw new IllegalStateException("put of " + Revision.unpack(rev) + " at or below the last revision "
                    + Revision.unpack(modified) + " of this key");
        }
        generations[generations.length - 1].append(rev);
        modified = rev;
    }

    /**
     * Replays a put read from the backend while rebuilding. A generation whose first revisions were compacted away
     * starts from the record's own creation revision and version, as etcd's {@code restore} does; later puts of
     * the generation count on from there.
     */
    void restorePut(long rev, long createdMain, long version) {
        Generation g = generations[generations.length - 1];
        if (g.isEmpty() && version > 1) {
            put(rev);
            g.created = Revision.pack(createdMain, 0);
            g.version = version;
        } else {
            put(rev);
        }
    }

    /**
     * Records a delete. A tombstone on a key whose current generation is empty is not a delete of anything and is
     * refused with {@code false}.
     */
    boolean tombstone(long rev) {
        if (current().isEmpty()) {
            return false;
        }
        put(rev);
        generations = Arrays.copyOf(generations, generations.length + 1);
        generations[generations.length - 1] = new Generation();
        return true;
    }

    /** True when the key exists at its newest revision (its current generation is not empty). */
    boolean isLive() {
        return !current().isEmpty();
    }

    boolean isEmpty() {
        return generations.length == 1 && generations[0].isEmpty();
    }

    long modified() {
        return modified;
    }

    /**
     * The version visible at main revision {@code atMain}: its revision, its generation's creation revision and its
     * version number; null when the key did not exist at {@code atMain}.
     */
    IndexEntry get(long atMain) {
        Generation g = findGeneration(atMain);
        if (g == null) {
            return null;
        }
        int n = g.latestAtOrBelow(atMain);
        if (n < 0) {
            return null;
        }
        return new IndexEntry(key, g.revs[n], g.created, g.version - (g.size - n - 1));
    }

    /** Whether the key existed at {@code atMain}: {@link #get} without the allocation. */
    boolean existsAt(long atMain) {
        Generation g = findGeneration(atMain);
        return g != null && g.latestAtOrBelow(atMain) >= 0;
    }

    /** The generation whose life covers {@code atMain}, or null when the key was absent at that revision. */
    private Generation findGeneration(long atMain) {
        int last = generations.length - 1;
        for (int i = last; i >= 0; i--) {
            Generation g = generations[i];
            if (g.isEmpty()) {
                continue;
            }
            if (i != last && Revision.mainOf(g.last()) <= atMain) {
                return null; // deleted at or before atMain, and not recreated before it
            }
            if (Revision.mainOf(g.first()) <= atMain) {
                return g;
            }
        }
        return null;
    }

    /**
     * Compacts at main revision {@code atMain} (see the class comment) and reports each revision at or below
     * {@code atMain} that must stay in the backend to {@code keep}.
     */
    void compact(long atMain, LongConsumer keep) {
        int genIdx = 0;
        // Skip generations that ended (tombstone) at or before atMain; stop at the last generation.
        while (genIdx < generations.length - 1 && Revision.mainOf(generations[genIdx].last()) <= atMain) {
            genIdx++;
        }
        Generation g = generations[genIdx];
        if (!g.isEmpty()) {
            int n = g.latestAtOrBelow(atMain);
            if (n >= 0) {
                g.dropBefore(n);
                if (g.size == 1 && genIdx != generations.length - 1) {
                    // Only the tombstone is left of a generation that has ended: nothing reads it any more.
                    genIdx++;
                } else {
                    keep.accept(g.revs[0]);
                }
            }
        }
        if (genIdx > 0) {
            generations = Arrays.copyOfRange(generations, genIdx, generations.length);
        }
    }

    /** Reports what {@link #compact} would keep, without changing anything. */
    void keep(long atMain, LongConsumer keep) {
        int genIdx = 0;
        while (genIdx < generations.length - 1 && Revision.mainOf(generations[genIdx].last()) <= atMain) {
            genIdx++;
        }
        Generation g = generations[genIdx];
        if (!g.isEmpty()) {
            int n = g.latestAtOrBelow(atMain);
            if (n >= 0 && !(n == g.size - 1 && genIdx != generations.length - 1)) {
                keep.accept(g.revs[n]);
            }
        }
    }

    /**
     * The revisions with main revision at or after {@code sinceMain}, oldest first; of several with the same main
     * revision only the last counts.
     */
    long[] since(long sinceMain) {
        long[] out = new long[8];
        int n = 0;
        long lastMain = -1;
        for (Generation g : generations) {
            for (int i = 0; i < g.size; i++) {
                long r = g.revs[i];
                long main = Revision.mainOf(r);
                if (main < sinceMain) {
                    continue;
                }
                if (main == lastMain) {
                    out[n - 1] = r;
                    continue;
                }
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = r;
                lastMain = main;
            }
        }
        return Arrays.copyOf(out, n);
    }

    private Generation current() {
        return generations[generations.length - 1];
    }

    int generationCount() {
        return generations.length;
    }

    @Override
    public String toString() {
        return "KeyIndex{" + raftkv.storage.Bytes.show(key) + " " + Arrays.toString(generations) + "}";
    }

}
