package raftkv.storage;

/**
 * A read view over the state that the store's shared lock holds still; see {@link ReadTxn}. The store takes the lock
 * when it opens the view and releases it on {@link #close()}. Owned by the thread that opened it.
 */
final class StoreReadTxn implements ReadTxn {

    private final MvccStore store;
    private final LockedState state;
    private boolean closed;

    StoreReadTxn(MvccStore store, LockedState state) {
        this.store = store;
        this.state = state;
    }

    @Override
    public long revision() {
        return state.currentRev();
    }

    @Override
    public RangeResult range(KeyRange range, RangeOptions options) {
        if (closed) {
            throw new IllegalStateException("read txn is closed");
        }
        return state.range(range, state.currentRev(), options);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            store.endRead();
        }
    }
}
