package raftkv.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A compare of a txn: a key's value, version, create or mod revision, or lease against a given one. */
public final class Cmp {

    public enum Op { EQUAL, NOT_EQUAL, GREATER, LESS }

    private final ObjectNode json;

    private Cmp(byte[] key, Op op, String target, String field, Object value) {
        json = Rpc.object().put("key", Wire.b64(key)).put("result", op.name()).put("target", target);
        if (value instanceof byte[] b) {
            json.put(field, Wire.b64(b));
        } else {
            json.put(field, value.toString());
        }
    }

    public static Cmp value(String key, Op op, String value) {
        return new Cmp(Wire.utf8(key), op, "VALUE", "value", Wire.utf8(value));
    }

    public static Cmp value(byte[] key, Op op, byte[] value) {
        return new Cmp(key, op, "VALUE", "value", value);
    }

    /** Version 0 means the key does not exist. */
    public static Cmp version(String key, Op op, long version) {
        return new Cmp(Wire.utf8(key), op, "VERSION", "version", version);
    }

    public static Cmp createRevision(String key, Op op, long revision) {
        return new Cmp(Wire.utf8(key), op, "CREATE", "create_revision", revision);
    }

    public static Cmp modRevision(String key, Op op, long revision) {
        return new Cmp(Wire.utf8(key), op, "MOD", "mod_revision", revision);
    }

    public static Cmp lease(String key, Op op, long lease) {
        return new Cmp(Wire.utf8(key), op, "LEASE", "lease", lease);
    }

    ObjectNode toJson() {
        return json;
    }
}
