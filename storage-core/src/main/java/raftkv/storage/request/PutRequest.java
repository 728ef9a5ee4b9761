package raftkv.storage.request;

import java.util.Arrays;
import raftkv.storage.Bytes;

/**
 * A put. {@code lease} 0 means no lease; {@code ignoreValue}/{@code ignoreLease} keep the key's current value or
 * lease (the key must exist); {@code prevKv} asks for the version the put replaced.
 */
public record PutRequest(byte[] key, byte[] value, long lease, boolean prevKv, boolean ignoreValue,
                         boolean ignoreLease) implements RequestOp {

    public PutRequest {
        if (value == null) {
            value = new byte[0];
        }
    }

    public static PutRequest of(byte[] key, byte[] value) {
        return new PutRequest(key, value, 0, false, false, false);
    }

    public PutRequest withLease(long leaseId) {
        return new PutRequest(key, value, leaseId, prevKv, ignoreValue, ignoreLease);
    }

    public PutRequest withPrevKv() {
        return new PutRequest(key, value, lease, true, ignoreValue, ignoreLease);
    }

    @Override
    public boolean writes() {
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PutRequest p && Arrays.equals(key, p.key) && Arrays.equals(value, p.value)
                && lease == p.lease && prevKv == p.prevKv && ignoreValue == p.ignoreValue
                && ignoreLease == p.ignoreLease;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Put{" + Bytes.show(key) + "=" + Bytes.show(value) + (lease != 0 ? " lease=" + lease : "")
                + (prevKv ? " prevKv" : "") + (ignoreValue ? " ignoreValue" : "")
                + (ignoreLease ? " ignoreLease" : "") + "}";
    }
}
