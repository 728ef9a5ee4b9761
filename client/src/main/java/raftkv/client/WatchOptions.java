package raftkv.client;

/**
 * Options of a watch: a range ({@link #withPrefix} or {@link #withRangeEnd}), the revision to start from (0: from
 * now; a past revision replays history), previous values, and filters. Immutable.
 */
public record WatchOptions(boolean prefix, byte[] rangeEnd, long startRevision, boolean prevKv, boolean noPut,
                           boolean noDelete) {

    public static final WatchOptions DEFAULT = new WatchOptions(false, null, 0, false, false, false);

    public WatchOptions withPrefix() {
        return new WatchOptions(true, null, startRevision, prevKv, noPut, noDelete);
    }

    public WatchOptions withRangeEnd(byte[] end) {
        return new WatchOptions(false, end, startRevision, prevKv, noPut, noDelete);
    }

    public WatchOptions withStartRevision(long rev) {
        return new WatchOptions(prefix, rangeEnd, rev, prevKv, noPut, noDelete);
    }

    public WatchOptions withPrevKv() {
        return new WatchOptions(prefix, rangeEnd, startRevision, true, noPut, noDelete);
    }

    public WatchOptions withNoPut() {
        return new WatchOptions(prefix, rangeEnd, startRevision, prevKv, true, noDelete);
    }

    public WatchOptions withNoDelete() {
        return new WatchOptions(prefix, rangeEnd, startRevision, prevKv, noPut, true);
    }
}
