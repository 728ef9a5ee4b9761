package raftkv.raft.watch;

/**
 * One watch. Owned by the hub's dispatcher thread, except {@code canceled}, which a closing stream may set from
 * anywhere.
 */
public final class Watcher {

    final long id;
    final WatchSpec spec;
    final WatchSink sink;
    /** The next revision this watcher needs: everything below has been sent. */
    long nextRev;
    boolean synced;
    volatile boolean canceled;

    Watcher(long id, WatchSpec spec, WatchSink sink) {
        this.id = id;
        this.spec = spec;
        this.sink = sink;
    }

    public long id() {
        return id;
    }

    public boolean isCanceled() {
        return canceled;
    }
}
