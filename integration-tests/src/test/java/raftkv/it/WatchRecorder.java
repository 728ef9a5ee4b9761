package raftkv.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import raftkv.client.RaftKv;
import raftkv.client.WatchEvent;
import raftkv.client.WatchListener;
import raftkv.client.WatchOptions;
import raftkv.client.Watcher;

/**
 * A watch on the workload's keys (a prefix), through the client library (which moves it to another member when its node
 * dies), recording every event it delivers and anything that ended it.
 */
final class WatchRecorder implements AutoCloseable {

    /** An event as recorded: its revision, key, type and value. */
    record Seen(long revision, String key, WatchEvent.Type type, String value) {
        static Seen of(WatchEvent e) {
            return new Seen(e.kv().modRevision(), e.kv().keyString(), e.type(),
                    e.type() == WatchEvent.Type.PUT ? e.kv().valueString() : null);
        }
    }

    final String name;
    final long startRevision;
    private final RaftKv client;
    private final Watcher watcher;
    /** Written by the client's callback thread (one at a time), read by the test under the lock. */
    private final List<Seen> events = new ArrayList<>();
    private final List<String> endings = new ArrayList<>();
    private long progress;
    private int resumes;

    WatchRecorder(String name, List<String> endpoints, long startRevision) {
        this(name, endpoints, RegisterWorkload.PREFIX, startRevision);
    }

    /** A watch on every key under {@code prefix} from {@code startRevision}. */
    WatchRecorder(String name, List<String> endpoints, String prefix, long startRevision) {
        this.name = name;
        this.startRevision = startRevision;
        client = RaftKv.builder().endpoints(endpoints).timeout(Duration.ofSeconds(4))
                .connectTimeout(Duration.ofMillis(500)).build();
        watcher = client.watch().watch(prefix,
                WatchOptions.DEFAULT.withPrefix().withStartRevision(startRevision), new WatchListener() {
                    @Override
                    public void onEvents(List<WatchEvent> batch, long revision) {
                        synchronized (events) {
                            batch.forEach(e -> events.add(Seen.of(e)));
                            progress = Math.max(progress, revision);
                        }
                    }

                    @Override
                    public void onCompacted(long compactRevision) {
                        synchronized (events) {
                            endings.add("compacted at " + compactRevision);
                        }
                    }

                    @Override
                    public void onCanceled(String reason) {
                        synchronized (events) {
                            endings.add("canceled: " + reason);
                        }
                    }

                    @Override
                    public void onResumed(java.net.URI endpoint, long fromRevision) {
                        synchronized (events) {
                            resumes++;
                        }
                    }
                });
    }

    List<Seen> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    /** The newest revision the watch has spoken for (its last event, or a progress notice). */
    long progress() {
        synchronized (events) {
            return events.isEmpty() ? progress : Math.max(progress, events.get(events.size() - 1).revision());
        }
    }

    /** The revision of the last event received, or the one before the start when none came yet. */
    long lastEventRevision() {
        synchronized (events) {
            return events.isEmpty() ? startRevision - 1 : events.get(events.size() - 1).revision();
        }
    }

    List<String> endings() {
        synchronized (events) {
            return new ArrayList<>(endings);
        }
    }

    int resumes() {
        synchronized (events) {
            return resumes;
        }
    }

    @Override
    public void close() {
        watcher.close();
        client.close();
    }
}
