package raftkv.client;

import java.net.URI;
import java.util.List;

/**
 * Receives a watch's events, in revision order, each exactly once, also across the watch's moves between nodes.
 * Calls come one at a time on a client thread, never on the network thread; a slow listener delays only its own
 * watch. A watch ends with {@link #onCompacted} or {@link #onCanceled} (never silently), or when closed.
 */
public interface WatchListener {

    /** Events of one or more whole revisions; {@code revision} is the newest revision they speak for. */
    void onEvents(List<WatchEvent> events, long revision);

    /** The history the watch needed was compacted away (it started, or resumed, below {@code compactRevision}). */
    default void onCompacted(long compactRevision) {
    }

    /** The cluster ended the watch for {@code reason}. */
    default void onCanceled(String reason) {
    }

    /** The watch's node went away and the watch goes on on {@code endpoint} from {@code fromRevision}. */
    default void onResumed(URI endpoint, long fromRevision) {
    }
}
