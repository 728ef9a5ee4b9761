package raftkv.storage.request;

import java.util.Arrays;
import raftkv.storage.Bytes;
import raftkv.storage.KeyRange;

/**
 * A txn guard: compares one field of every key in a range with a constant. {@code number} is the constant for
 * VERSION, CREATE, MOD and LEASE; {@code value} for VALUE. As in etcd, a VALUE compare on a range with no key fails,
 * and the other targets compare a missing key as all zeroes.
 */
public record Compare(Target target, Result result, byte[] key, byte[] rangeEnd, long number, byte[] value) {

    public enum Target { VERSION, CREATE, MOD, VALUE, LEASE }

    public enum Result { EQUAL, GREATER, LESS, NOT_EQUAL }

    public Compare {
        if (value == null) {
            value = new byte[0];
        }
    }

    public static Compare version(byte[] key, Result result, long version) {
        return new Compare(Target.VERSION, result, key, null, version, null);
    }

    public static Compare createRevision(byte[] key, Result result, long rev) {
        return new Compare(Target.CREATE, result, key, null, rev, null);
    }

    public static Compare modRevision(byte[] key, Result result, long rev) {
        return new Compare(Target.MOD, result, key, null, rev, null);
    }

    public static Compare value(byte[] key, Result result, byte[] value) {
        return new Compare(Target.VALUE, result, key, null, 0, value);
    }

    public static Compare lease(byte[] key, Result result, long lease) {
        return new Compare(Target.LEASE, result, key, null, lease, null);
    }

    public KeyRange range() {
        return new KeyRange(key, rangeEnd);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Compare c && target == c.target && result == c.result && Arrays.equals(key, c.key)
                && Arrays.equals(rangeEnd, c.rangeEnd) && number == c.number && Arrays.equals(value, c.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key) * 31 + target.hashCode();
    }

    @Override
    public String toString() {
        return target + "(" + range() + ") " + result + " "
                + (target == Target.VALUE ? Bytes.show(value) : Long.toString(number));
    }
}
