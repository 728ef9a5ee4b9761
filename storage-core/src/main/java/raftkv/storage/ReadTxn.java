package raftkv.storage;

/**
 * A consistent read view of the store. While it is open the store does not change under it (it holds the store's
 * shared lock), so keep it short and close it. A read transaction cannot write: only {@link WriteTxn} can.
 */
public interface ReadTxn extends AutoCloseable {

    /** The revision this view reads at by default. */
    long revision();

    /**
     * The keys of {@code range} at {@code options.revision()} (the view's revision if 0).
     *
     * @throws StorageException {@link ErrorCode#COMPACTED} below the compaction revision,
     *                          {@link ErrorCode#FUTURE_REVISION} above the view's revision
     */
    RangeResult range(KeyRange range, RangeOptions options);

    @Override
    void close();

    /** Options of the raw MVCC range: at most {@code limit} keys ({@code <= 0}: all), at {@code revision}. */
    record RangeOptions(long limit, long revision, boolean countOnly) {
        public static final RangeOptions LATEST = new RangeOptions(0, 0, false);
    }

    /** The keys found, how many exist in the range in all ({@code count}), and the view's revision. */
    record RangeResult(java.util.List<KeyValue> kvs, long count, long revision) {
    }
}
