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
 * A watch on the workload's keys (a prefix), recording every event it delivers and anything that ended it: through
 * raftkv's client library over HTTP, or jetcd over gRPC ({@link RegisterClient.Protocol}); either moves the watch to
 * another member, from the last revision it delivered, when its node dies.
 */
final class WatchRecorder implements AutoCloseable {

    /** An event as recorded: its revision, key, type and value. */
    record Seen(long revision, String key, WatchEvent.Type type, String value) {
        static Seen of(WatchEvent e) {
            return new Seen(e.kv().modRevision(), e.kv().keyString(), e.type(),
                    e.type() == WatchEvent.Type.PUT ? e.kv().valueString() : null);
        }

        static Seen of(io.etcd.jetcd.watch.WatchEvent e) {
            boolean put = e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.PUT;
            var kv = e.getKeyValue();
            return new Seen(kv.getModRevision(), kv.getKey().toString(java.nio.charset.StandardCharsets.UTF_8),
                    put ? WatchEvent.Type.PUT : WatchEvent.Type.DELETE,
                    put ? kv.getValue().toString(java.nio.charset.StandardCharsets.UTF_8) : null);
        }
    }

    final String name;
    final long startRevision;
    /** Ends the watch and its client. */
    private final AutoCloseable watch;
    /** Written by the client's callback thread (one at a time), read by the test under the lock. */
    private final List<Seen> events = new ArrayList<>();
    private final List<String> endings = new ArrayList<>();
    private long progress;
    private int resumes;

    WatchRecorder(String name, List<String> endpoints, long startRevision) {
        this(RegisterClient.Protocol.HTTP, name, endpoints, RegisterWorkload.PREFIX, startRevision);
    }

    WatchRecorder(RegisterClient.Protocol protocol, String name, List<String> endpoints, long startRevision) {
        this(protocol, name, endpoints, RegisterWorkload.PREFIX, startRevision);
    }

    WatchRecorder(String name, List<String> endpoints, String prefix, long startRevision) {
        this(RegisterClient.Protocol.HTTP, name, endpoints, prefix, startRevision);
    }

    /** A watch on every key under {@code prefix} from {@code startRevision}. */
    WatchRecorder(RegisterClient.Protocol protocol, String name, List<String> endpoints, String prefix,
                  long startRevision) {
        this.name = name;
        this.startRevision = startRevision;
        this.watch = protocol == RegisterClient.Protocol.GRPC ? jetcdWatch(endpoints, prefix)
                : clientWatch(endpoints, prefix);
    }

    private AutoCloseable jetcdWatch(List<String> endpoints, String prefix) {
        io.etcd.jetcd.Client client = io.etcd.jetcd.Client.builder().endpoints(endpoints.toArray(String[]::new))
                .connectTimeout(Duration.ofMillis(500)).build();
        io.etcd.jetcd.Watch.Watcher watcher = client.getWatchClient().watch(
                io.etcd.jetcd.ByteSequence.from(prefix, java.nio.charset.StandardCharsets.UTF_8),
                io.etcd.jetcd.options.WatchOption.builder().isPrefix(true).withRevision(startRevision)
                        .withProgressNotify(true).build(),
                io.etcd.jetcd.Watch.listener(response -> {
                    synchronized (events) {
                        for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
                            events.add(Seen.of(e));
                        }
                        progress = Math.max(progress, response.getHeader().getRevision());
                    }
                }, error -> {
                    // jetcd reports every error of the stream here, also those it then resumes the watch after
                    // (a member killed): only a compaction ends it for sure. A watch that ended otherwise stops
                    // delivering, and the checks find the events it missed.
                    synchronized (events) {
                        if (error instanceof io.etcd.jetcd.common.exception.CompactedException c) {
                            endings.add("compacted at " + c.getCompactedRevision());
                        } else {
                            resumes++;
                        }
                    }
                }));
        return () -> {
            watcher.close();
            client.close();
        };
    }

    private AutoCloseable clientWatch(List<String> endpoints, String prefix) {
        RaftKv client = RaftKv.builder().endpoints(endpoints).timeout(Duration.ofSeconds(4))
                .connectTimeout(Duration.ofMillis(500)).build();
        Watcher watcher = client.watch().watch(prefix,
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
        return () -> {
            watcher.close();
            client.close();
        };
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

    /** How often the watch was moved to another member (over gRPC: how often jetcd reported a stream error). */
    int resumes() {
        synchronized (events) {
            return resumes;
        }
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
