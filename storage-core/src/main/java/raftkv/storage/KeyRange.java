package raftkv.storage;

/**
 * The keys a request addresses, with etcd's conventions for {@code range_end}: absent (null or empty) means the
 * single key {@code key}; the one byte {@code \0} means every key from {@code key} on; anything else is the
 * half-open interval {@code [key, end)}, empty when {@code end <= key}.
 */
public record KeyRange(byte[] key, byte[] end) {

    private static final byte[] NO_END = null;

    public KeyRange {
        if (key == null) {
            throw new IllegalArgumentException("key is null");
        }
        if (end != null && end.length == 0) {
            end = NO_END;
        }
    }

    public static KeyRange single(byte[] key) {
        return new KeyRange(key, NO_END);
    }

    /** Every key that starts with {@code prefix}, as {@code etcdctl --prefix} asks for it. */
    public static KeyRange prefix(byte[] prefix) {
        return new KeyRange(prefix, prefixEnd(prefix));
    }

    /** The smallest key greater than every key with this prefix, or {@code \0} (unbounded) when there is none. */
    public static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return java.util.Arrays.copyOf(end, i + 1);
            }
        }
        return new byte[] {0};
    }

    public boolean isSingleKey() {
        return end == null;
    }

    /** True when the range has no upper bound ({@code range_end = "\0"}). */
    public boolean isUnbounded() {
        return end != null && end.length == 1 && end[0] == 0;
    }

    public boolean contains(byte[] k) {
        if (end == null) {
            return java.util.Arrays.equals(key, k);
        }
        if (Bytes.compare(k, key) < 0) {
            return false;
        }
        return isUnbounded() || Bytes.compare(k, end) < 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRange r && java.util.Arrays.equals(key, r.key) && java.util.Arrays.equals(end, r.end);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(key) + java.util.Arrays.hashCode(end);
    }

    @Override
    public String toString() {
        return end == null ? Bytes.show(key) : "[" + Bytes.show(key) + ", " + (isUnbounded() ? "∞" : Bytes.show(end)) + ")";
    }
}
