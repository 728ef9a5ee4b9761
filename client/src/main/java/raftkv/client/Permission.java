package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * What a role may do ({@link Type}) on which keys: one key ({@code rangeEnd} empty), the range
 * {@code [key, rangeEnd)}, or every key from {@code key} on ({@code rangeEnd} is {@code "\0"}), as etcd's
 * {@code authpb.Permission}.
 */
public record Permission(Type type, byte[] key, byte[] rangeEnd) {

    /** The wire enum; READ is proto3's default, which the JSON leaves out. */
    public enum Type { READ, WRITE, READWRITE }

    private static final byte[] OPEN_END = {0};

    /** {@code type} on {@code key} alone. */
    public static Permission key(Type type, String key) {
        return new Permission(type, Wire.utf8(key), new byte[0]);
    }

    /** {@code type} on the keys of {@code [key, rangeEnd)}. */
    public static Permission range(Type type, String key, String rangeEnd) {
        return new Permission(type, Wire.utf8(key), Wire.utf8(rangeEnd));
    }

    /** {@code type} on every key that starts with {@code prefix} (every key, for an empty prefix). */
    public static Permission prefix(Type type, String prefix) {
        byte[] p = Wire.utf8(prefix);
        return new Permission(type, Wire.rangeStart(p, true), Wire.prefixEnd(p));
    }

    /** {@code type} on every key from {@code key} on, in byte order (every key, for an empty key). */
    public static Permission fromKey(Type type, String key) {
        return new Permission(type, Wire.rangeStart(Wire.utf8(key), true), OPEN_END.clone());
    }

    public String keyString() {
        return new String(key, StandardCharsets.UTF_8);
    }

    public String rangeEndString() {
        return new String(rangeEnd, StandardCharsets.UTF_8);
    }

    /** Whether it covers one key only. */
    public boolean singleKey() {
        return rangeEnd.length == 0;
    }

    /** Whether it covers the keys that start with its key, as {@link #prefix} makes it. */
    public boolean isPrefix() {
        return !singleKey() && java.util.Arrays.equals(Wire.prefixEnd(key), rangeEnd);
    }

    /** Whether it runs from its key to the end of the key space. */
    public boolean openEnded() {
        return rangeEnd.length == 1 && rangeEnd[0] == 0;
    }

    static Permission of(JsonNode perm) {
        JsonNode t = perm.path("permType");
        Type type = t.isMissingNode() || t.isNull() ? Type.READ
                : t.isNumber() ? Type.values()[t.asInt()] : Type.valueOf(t.asText());
        return new Permission(type, Wire.bytes(perm, "key"), Wire.bytes(perm, "range_end"));
    }

    @Override
    public String toString() {
        String range = singleKey() ? keyString()
                : openEnded() ? "[" + keyString() + ", <open ended>" : "[" + keyString() + ", " + rangeEndString() + ")";
        return type + " " + range;
    }
}
