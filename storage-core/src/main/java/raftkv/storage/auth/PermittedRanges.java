package raftkv.storage.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import raftkv.storage.Bytes;
import raftkv.storage.KeyRange;

/**
 * The keys a user may read (or write), as disjoint sorted intervals: the union of its roles' permissions of that
 * kind. A request is permitted when one interval covers the whole range it addresses, so that two permissions that
 * meet ({@code [a, c)} and {@code [c, e)}) together permit {@code [b, d)}, as etcd's interval tree does.
 *
 * <p>Every key range is an interval {@code [low, high)} of the key space, where a single key {@code k} is
 * {@code [k, k\0)} (the next key after {@code k} is {@code k} followed by a zero byte) and an unbounded range has no
 * {@code high}. Immutable.
 */
final class PermittedRanges {

    static final PermittedRanges NONE = new PermittedRanges(List.of());

    /** low, and high or null for no upper bound; sorted by low, disjoint and not touching. */
    private final List<byte[][]> intervals;

    private PermittedRanges(List<byte[][]> intervals) {
        this.intervals = intervals;
    }

    static PermittedRanges of(List<KeyRange> ranges) {
        List<byte[][]> sorted = new ArrayList<>(ranges.size());
        for (KeyRange r : ranges) {
            byte[][] i = interval(r);
            if (i != null) {
                sorted.add(i);
            }
        }
        sorted.sort(Comparator.comparing((byte[][] i) -> i[0], Bytes.ORDER));
        List<byte[][]> merged = new ArrayList<>();
        for (byte[][] i : sorted) {
            byte[][] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && (last[1] == null || Bytes.compare(i[0], last[1]) <= 0)) {
                if (last[1] != null && (i[1] == null || Bytes.compare(i[1], last[1]) > 0)) {
                    last[1] = i[1];
                }
            } else {
                merged.add(new byte[][] {i[0], i[1]});
            }
        }
        return new PermittedRanges(List.copyOf(merged));
    }

    /** Whether every key of {@code range} lies in these intervals. */
    boolean covers(KeyRange range) {
        byte[][] want = interval(range);
        if (want == null) {
            // An empty range ([b, a) with a <= b) reads or writes nothing; etcd checks its start key alone.
            want = interval(KeyRange.single(range.key()));
        }
        for (byte[][] have : intervals) {
            if (Bytes.compare(have[0], want[0]) > 0) {
                return false;
            }
            if (have[1] == null || (want[1] != null && Bytes.compare(want[1], have[1]) <= 0)) {
                return true;
            }
        }
        return false;
    }

    /** The interval of a key range; null when it holds no key. */
    private static byte[][] interval(KeyRange r) {
        if (r.isSingleKey()) {
            return new byte[][] {r.key(), Arrays.copyOf(r.key(), r.key().length + 1)};
        }
        if (r.isUnbounded()) {
            return new byte[][] {r.key(), null};
        }
        return Bytes.compare(r.key(), r.end()) < 0 ? new byte[][] {r.key(), r.end()} : null;
    }
}
