package raftkv.raft.watch;

/**
 * Where a watcher's messages go (the server writes them to an HTTP stream). Called on the hub's dispatcher thread:
 * it must not block, and refuses (returns false) once its buffer is full; the hub then cancels the watcher.
 */
public interface WatchSink {

    boolean offer(WatchMessage message);
}
