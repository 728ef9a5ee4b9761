package raftkv.storage;

/** A read view holding the store's shared lock; see {@link ReadTxn}. Owned by the thread that opened it. */
final class StoreReadTxn implements ReadTxn {

    private final MvccStore store;
    private final long rev;
    private boolean closed;

    StoreReadTxn(MvccStore store, long rev) {
        this.store = store;
        this.rev = rev;
    }

    @Override
    public long revision() {
        return rev;
    }

    @Override
    public RangeResult range(KeyRange range, RangeOptions options) {
        if (closed) {
            throw new IllegalStateException("read txn is closed");
        }
        return store.rangeKeys(range, rev, options);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            store.lock.readLock().unlock();
        }
    }
}
