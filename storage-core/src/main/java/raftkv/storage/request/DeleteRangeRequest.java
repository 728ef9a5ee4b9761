package raftkv.storage.request;

import java.util.Arrays;
import raftkv.storage.KeyRange;

/** Deletes a key or a key range (same {@code rangeEnd} conventions as a range). */
public record DeleteRangeRequest(byte[] key, byte[] rangeEnd, boolean prevKv) implements RequestOp {

    public static DeleteRangeRequest of(byte[] key) {
        return new DeleteRangeRequest(key, null, false);
    }

    public KeyRange range() {
        return new KeyRange(key, rangeEnd);
    }

    @Override
    public boolean writes() {
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeleteRangeRequest d && Arrays.equals(key, d.key) && Arrays.equals(rangeEnd, d.rangeEnd)
                && prevKv == d.prevKv;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key) * 31 + Arrays.hashCode(rangeEnd);
    }

    @Override
    public String toString() {
        return "Delete{" + range() + (prevKv ? " prevKv" : "") + "}";
    }
}
