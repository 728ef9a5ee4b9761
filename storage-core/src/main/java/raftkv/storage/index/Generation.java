package raftkv.storage.index;

import java.util.Arrays;
import raftkv.storage.Revision;

/**
 * One life of a key: the revisions from the put that created it up to and including the delete that ended it.
 * Revisions are packed longs (see {@link Revision#pack()}) kept in ascending order.
 *
 * <p>Not thread-safe; {@link TreeIndex}'s owner guards it.
 */
final class Generation {

    private static final long[] NONE = new long[0];

    /** Puts (and the closing tombstone) ever appended, including those compaction has since dropped. */
    long version;
    /** The revision that created this generation; survives compaction of {@link #revs}. */
    long created;
    long[] revs = NONE;
    int size;

    boolean isEmpty() {
        return size == 0;
    }

    long first() {
        return revs[0];
    }

    long last() {
        return revs[size - 1];
    }

    void append(long rev) {
        if (size == 0) {
            created = rev;
        }
        if (size == revs.length) {
            revs = Arrays.copyOf(revs, Math.max(1, size < 8 ? size + 1 : size + (size >> 1)));
        }
        revs[size++] = rev;
        version++;
    }

    /**
     * Walks the revisions from newest to oldest and returns the index of the first one whose main revision is at
     * or below {@code atMain}, or -1 if every revision is newer.
     */
    int latestAtOrBelow(long atMain) {
        for (int i = size - 1; i >= 0; i--) {
            if (Revision.mainOf(revs[i]) <= atMain) {
                return i;
            }
        }
        return -1;
    }

    /** Drops the revisions before index {@code from}. */
    void dropBefore(int from) {
        if (from <= 0) {
            return;
        }
        revs = Arrays.copyOfRange(revs, from, size);
        size -= from;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("g{ver=").append(version).append(", created=")
                .append(Revision.unpack(created)).append(", revs=[");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : " ").append(Revision.unpack(revs[i]));
        }
        return sb.append("]}").toString();
    }
}
