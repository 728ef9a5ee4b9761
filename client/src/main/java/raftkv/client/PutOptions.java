package raftkv.client;

/** Options of a put: a {@link #withLease} to attach the key to, and whether to return the previous value. */
public record PutOptions(long lease, boolean prevKv) {

    public static final PutOptions DEFAULT = new PutOptions(0, false);

    public PutOptions withLease(long id) {
        return new PutOptions(id, prevKv);
    }

    public PutOptions withPrevKv() {
        return new PutOptions(lease, true);
    }

    com.fasterxml.jackson.databind.node.ObjectNode toJson(byte[] key, byte[] value) {
        var o = Rpc.object().put("key", Wire.b64(key)).put("value", Wire.b64(value));
        if (lease != 0) {
            o.put("lease", Long.toString(lease));
        }
        if (prevKv) {
            o.put("prev_kv", true);
        }
        return o;
    }
}
