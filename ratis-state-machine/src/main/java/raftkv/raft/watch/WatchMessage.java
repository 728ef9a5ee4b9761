package raftkv.raft.watch;

import java.util.List;
import raftkv.storage.Event;

/**
 * What a watcher is sent: first that it was created; then events (all of one or more whole revisions, in order), a progress notification (no
 * events), or its cancellation (with the compaction revision when history it needed is gone).
 *
 * @param revision the store revision the message speaks for (its header revision)
 */
public record WatchMessage(long watchId, long revision, List<Event> events, boolean created, boolean canceled,
                           long compactRevision, String cancelReason) {

    /** The watch id of a progress notification for every watch of a client stream (etcd's InvalidWatchID). */
    public static final long STREAM_PROGRESS = -1;

    static WatchMessage created(long watchId, long revision) {
        return new WatchMessage(watchId, revision, List.of(), true, false, 0, null);
    }

    static WatchMessage events(long watchId, long revision, List<Event> events) {
        return new WatchMessage(watchId, revision, events, false, false, 0, null);
    }

    static WatchMessage progress(long watchId, long revision) {
        return new WatchMessage(watchId, revision, List.of(), false, false, 0, null);
    }

    static WatchMessage canceled(long watchId, long revision, long compactRevision, String reason) {
        return new WatchMessage(watchId, revision, List.of(), false, true, compactRevision, reason);
    }
}
