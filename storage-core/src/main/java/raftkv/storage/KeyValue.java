package raftkv.storage;

import java.util.Arrays;

/**
 * One version of a key, as etcd's {@code mvccpb.KeyValue}: {@code version} is 1 when the key is created, grows by
 * one on each put and restarts after a delete; {@code createRevision} is the main revision of the put that created
 * the current generation of the key. Arrays are never copied: treat them as immutable.
 */
public record KeyValue(byte[] key, long createRevision, long modRevision, long version, byte[] value, long lease) {

    static final byte[] EMPTY = new byte[0];

    public KeyValue {
        if (value == null) {
            value = EMPTY;
        }
    }

    /** The record of a deletion, as a watch event carries it: just the key and the revision it was deleted at. */
    public static KeyValue tombstone(byte[] key, long modRevision) {
        return new KeyValue(key, 0, modRevision, 0, EMPTY, 0);
    }

    public KeyValue withoutValue() {
        return value.length == 0 ? this : new KeyValue(key, createRevision, modRevision, version, EMPTY, lease);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyValue kv
                && createRevision == kv.createRevision && modRevision == kv.modRevision
                && version == kv.version && lease == kv.lease
                && Arrays.equals(key, kv.key) && Arrays.equals(value, kv.value);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Long.hashCode(modRevision);
    }

    @Override
    public String toString() {
        return "KeyValue{key=" + Bytes.show(key) + ", create=" + createRevision + ", mod=" + modRevision
                + ", version=" + version + ", value=" + Bytes.show(value) + (lease != 0 ? ", lease=" + lease : "")
                + "}";
    }
}
