package raftkv.storage;

import java.util.Arrays;

/**
 * The packed revisions compaction keeps at or below its revision: filled by the index, then sealed (sorted) and
 * queried while scanning the backend. A primitive array, because a store of millions of keys keeps millions.
 */
final class RevisionSet {

    private long[] revs = new long[1024];
    private int size;
    private boolean sealed;

    void add(long rev) {
        if (sealed) {
            throw new IllegalStateException("sealed");
        }
        if (size == revs.length) {
            revs = Arrays.copyOf(revs, size * 2);
        }
        revs[size++] = rev;
    }

    RevisionSet seal() {
        revs = Arrays.copyOf(revs, size);
        Arrays.sort(revs);
        sealed = true;
        return this;
    }

    boolean contains(long rev) {
        return Arrays.binarySearch(revs, 0, size, rev) >= 0;
    }

    int size() {
        return size;
    }
}
