package raftkv.raft.watch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Client streams' progress requests, answered as etcd answers them: one notification for the whole stream (watch
 * id {@link WatchMessage#STREAM_PROGRESS}) at the revision through which every live watcher of the stream has been
 * sent everything, once all of them are synced. A request that finds one still catching up waits for it (an answer
 * before then would claim revisions whose events are still on their way); a newer request of the same stream
 * replaces it, so that there is at most one per stream. Owned by the hub's dispatcher thread.
 */
final class StreamProgress {

    private final Map<Object, List<Watcher>> waiting = new LinkedHashMap<>();

    void request(Object stream, List<Watcher> ws) {
        waiting.put(stream, ws);
    }

    /** Answers, through {@code send}, each request whose stream is synced through {@code published}. */
    void answer(long published, BiConsumer<Watcher, WatchMessage> send) {
        if (!waiting.isEmpty()) {
            waiting.values().removeIf(ws -> answered(ws, published, send));
        }
    }

    /** True when the request is done with: answered, or left with no live watcher (etcd then sends nothing). */
    private static boolean answered(List<Watcher> ws, long published, BiConsumer<Watcher, WatchMessage> send) {
        Watcher first = null;
        for (Watcher w : ws) {
            if (w.canceled) {
                continue;
            }
            if (!w.synced) {
                return false;
            }
            if (first == null) {
                first = w;
            }
        }
        if (first != null) {
            send.accept(first, WatchMessage.progress(WatchMessage.STREAM_PROGRESS, published));
        }
        return true;
    }
}
