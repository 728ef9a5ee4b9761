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

    private static final Generation[] NONE = new Generation[0];

    final byte[] key;
    /**
     * The generations before the current one, oldest first; usually none. Kept apart from {@link #current} so that
     * the common key (one generation) costs no array: the index is most of a node's heap.
     */
    private Generation[] older = NONE;
    /** The current generation, empty after a tombstone. */
    private Generation current = new Generation();

    KeyIndex(byte[] key) {
        this.key = key;
    }

    private int generationCountInternal() {
        return older.length + 1;
    }

    private Generation generation(int i) {
        return i < older.length ? older[i] : current;
    }

    /** Drops the first {@code n} generations; the current one always stays. */
    private void dropGenerations(int n) {
        if (n <= 0) {
            return;
        }
        older = n >= older.length ? NONE : java.util.Arrays.copyOfRange(older, n, older.length);
    }

    /** The newest revision of any kind (put or tombstone) recorded for this key, -1 for none. */
    long modified() {
        if (!current.isEmpty()) {
            return current.last();
        }
        return older.length == 0 ? -1 : older[older.length - 1].last();
    }

    void put(long rev) {
        long modified = modified();
        if (rev <= modified) {
            throw new IllegalStateException("put of " + Revision.unpack(rev) + " at or below the last revision "
                    + Revision.unpack(modified) + " of this key");
        }
        current.append(rev);
    }

    /**
     * Replays a put read from the backend while rebuilding. A generation whose first revisions were compacted away
     * starts from the record's own creation revision and version, as etcd's {@code restore} does; later puts of
     * the generation count on from there.
     */
    void restorePut(long rev, long createdMain, long version) {
        boolean first = current.isEmpty();
        put(rev);
        if (first && version > 1) {
            current.created = Revision.pack(createdMain, 0);
            current.version = version;
        }
    }

    /**
     * Records a delete. A tombstone on a key whose current generation is empty is not a delete of anything and is
     * refused with {@code false}.
     */
    boolean tombstone(long rev) {
        if (current.isEmpty()) {
            return false;
        }
        put(rev);
        older = java.util.Arrays.copyOf(older, older.length + 1);
        older[older.length - 1] = current;
        current = new Generation();
        return true;
    }

    /** True when the key exists at its newest revision (its current generation is not empty). */
    boolean isLive() {
        return !current.isEmpty();
    }

    boolean isEmpty() {
        return older.length == 0 && current.isEmpty();
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
        int last = generationCountInternal() - 1;
        for (int i = last; i >= 0; i--) {
            Generation g = generation(i);
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
        int genIdx = firstGenerationAliveAfter(atMain);
        Generation g = generation(genIdx);
        if (!g.isEmpty()) {
            int n = g.latestAtOrBelow(atMain);
            if (n >= 0) {
                g.dropBefore(n);
                if (g.size == 1 && genIdx != generationCountInternal() - 1) {
                    // Only the tombstone is left of a generation that has ended: nothing reads it any more.
                    genIdx++;
                } else {
                    keep.accept(g.revs[0]);
                }
            }
        }
        dropGenerations(genIdx);
    }

    /** Reports what {@link #compact} would keep, without changing anything. */
    void keep(long atMain, LongConsumer keep) {
        int genIdx = firstGenerationAliveAfter(atMain);
        Generation g = generation(genIdx);
        if (!g.isEmpty()) {
            int n = g.latestAtOrBelow(atMain);
            if (n >= 0 && !(n == g.size - 1 && genIdx != generationCountInternal() - 1)) {
                keep.accept(g.revs[n]);
            }
        }
    }

    /** The first generation that had not ended (by a tombstone) at {@code atMain}; at most the current one. */
    private int firstGenerationAliveAfter(long atMain) {
        int last = generationCountInternal() - 1;
        int genIdx = 0;
        while (genIdx < last && Revision.mainOf(generation(genIdx).last()) <= atMain) {
            genIdx++;
        }
        return genIdx;
    }

    /**
     * The revisions with main revision at or after {@code sinceMain}, oldest first; of several with the same main
     * revision only the last counts.
     */
    long[] since(long sinceMain) {
        long[] out = new long[8];
        int n = 0;
        long lastMain = -1;
        for (int gi = 0; gi < generationCountInternal(); gi++) {
            Generation g = generation(gi);
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

    int generationCount() {
        return generationCountInternal();
    }

    @Override
    public String toString() {
        return "KeyIndex{" + raftkv.storage.Bytes.show(key) + " " + Arrays.toString(older) + " " + current + "}";
    }

}
