package raftkv.client;

/**
 * Options of a delete: a range ({@link #withPrefix} or {@link #withRangeEnd}) and whether to return what was
 * deleted.
 */
public record DeleteOptions(boolean prefix, byte[] rangeEnd, boolean prevKv) {

    public static final DeleteOptions DEFAULT = new DeleteOptions(false, null, false);

    public DeleteOptions withPrefix() {
        return new DeleteOptions(true, null, prevKv);
    }

    public DeleteOptions withRangeEnd(byte[] end) {
        return new DeleteOptions(false, end, prevKv);
    }

    public DeleteOptions withPrevKv() {
        return new DeleteOptions(prefix, rangeEnd, true);
    }

    com.fasterxml.jackson.databind.node.ObjectNode toJson(byte[] key) {
        var o = Rpc.object().put("key", Wire.b64(Wire.rangeStart(key, prefix)));
        byte[] end = prefix ? Wire.prefixEnd(key) : rangeEnd;
        if (end != null) {
            o.put("range_end", Wire.b64(end));
        }
        if (prevKv) {
            o.put("prev_kv", true);
        }
        return o;
    }
}
