package raftkv.client;

/**
 * Options of a get: a range ({@link #withPrefix} or {@link #withRangeEnd}), a historical {@link #withRevision}, a
 * {@link #withLimit}, {@link #withKeysOnly}, {@link #withCountOnly}, a {@link #withSerializable} (local, possibly
 * stale) read, and a sort. Immutable; each method returns a changed copy.
 */
public record GetOptions(boolean prefix, byte[] rangeEnd, long revision, long limit, boolean keysOnly,
                         boolean countOnly, boolean serializable, SortTarget sortTarget, SortOrder sortOrder,
                         long maxCreateRevision) {

    public enum SortTarget { KEY, VERSION, CREATE, MOD, VALUE }

    public enum SortOrder { NONE, ASCEND, DESCEND }

    public static final GetOptions DEFAULT = new GetOptions(false, null, 0, 0, false, false, false,
            SortTarget.KEY, SortOrder.NONE, 0);

    public GetOptions withPrefix() {
        return new GetOptions(true, null, revision, limit, keysOnly, countOnly, serializable, sortTarget,
                sortOrder, maxCreateRevision);
    }

    public GetOptions withRangeEnd(byte[] end) {
        return new GetOptions(false, end, revision, limit, keysOnly, countOnly, serializable, sortTarget,
                sortOrder, maxCreateRevision);
    }

    public GetOptions withRevision(long rev) {
        return new GetOptions(prefix, rangeEnd, rev, limit, keysOnly, countOnly, serializable, sortTarget,
                sortOrder, maxCreateRevision);
    }

    public GetOptions withLimit(long n) {
        return new GetOptions(prefix, rangeEnd, revision, n, keysOnly, countOnly, serializable, sortTarget,
                sortOrder, maxCreateRevision);
    }

    public GetOptions withKeysOnly() {
        return new GetOptions(prefix, rangeEnd, revision, limit, true, countOnly, serializable, sortTarget,
                sortOrder, maxCreateRevision);
    }

    public GetOptions withCountOnly() {
        return new GetOptions(prefix, rangeEnd, revision, limit, keysOnly, true, serializable, sortTarget,
                sortOrder, maxCreateRevision);
    }

    public GetOptions withSerializable() {
        return new GetOptions(prefix, rangeEnd, revision, limit, keysOnly, countOnly, true, sortTarget,
                sortOrder, maxCreateRevision);
    }

    public GetOptions withSort(SortTarget target, SortOrder order) {
        return new GetOptions(prefix, rangeEnd, revision, limit, keysOnly, countOnly, serializable, target,
                order, maxCreateRevision);
    }

    /** Only keys created at or below {@code rev} (what the lock and election recipes wait behind). */
    public GetOptions withMaxCreateRevision(long rev) {
        return new GetOptions(prefix, rangeEnd, revision, limit, keysOnly, countOnly, serializable, sortTarget,
                sortOrder, rev);
    }

    com.fasterxml.jackson.databind.node.ObjectNode toJson(byte[] key) {
        var o = Rpc.object().put("key", Wire.b64(Wire.rangeStart(key, prefix)));
        byte[] end = prefix ? Wire.prefixEnd(key) : rangeEnd;
        if (end != null) {
            o.put("range_end", Wire.b64(end));
        }
        if (revision > 0) {
            o.put("revision", revision);
        }
        if (limit > 0) {
            o.put("limit", limit);
        }
        if (keysOnly) {
            o.put("keys_only", true);
        }
        if (countOnly) {
            o.put("count_only", true);
        }
        if (serializable) {
            o.put("serializable", true);
        }
        if (maxCreateRevision > 0) {
            o.put("max_create_revision", maxCreateRevision);
        }
        if (sortOrder != SortOrder.NONE) {
            o.put("sort_order", sortOrder.name()).put("sort_target", sortTarget.name());
        }
        return o;
    }
}
