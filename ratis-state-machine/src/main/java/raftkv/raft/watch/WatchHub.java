package raftkv.raft.watch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;
import raftkv.storage.ChangeBatch;
import raftkv.storage.ErrorCode;
import raftkv.storage.Event;
import raftkv.storage.KeyValue;
import raftkv.storage.MvccStore;
import raftkv.storage.StorageException;
import raftkv.storage.request.RangeRequest;

/**
 * Fans the store's changes out to watchers, in revision order, exactly once, without gaps, as etcd's watchable
 * store does.
 *
 * <p>The apply thread only hands each write's changes over ({@link #publish}); one dispatcher thread does the rest.
 * A watcher is <em>synced</em> when it needs nothing older than what the dispatcher sends live: it then receives
 * each revision as it is published, if the revision is not below its {@code nextRev}. A watcher created at an older
 * revision is <em>unsynced</em>: the dispatcher replays the store's history to it in bounded chunks
 * ({@link MvccStore#changes}), up to the store's current revision, then moves it to the synced group; live
 * revisions it already replayed are skipped by {@code nextRev}, so nothing is sent twice or missed. History that
 * compaction removed cancels the watcher with the compaction revision.
 *
 * <p>Never stalls the apply thread: if the dispatcher falls behind by 20,000 revisions, publishing
 * stops, the queue is dropped, and every watcher catches up from the store instead. A watcher whose sink is full
 * (a slow reader) is cancelled with a reason.
 */
public final class WatchHub implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WatchHub.class);
    static final int MAX_QUEUED = 20_000;
    private final int maxQueued;
    private static final int CATCH_UP_EVENTS = 512;

    private final Supplier<MvccStore> store;
    private final Duration progressInterval;
    private final LinkedBlockingQueue<Object> tasks = new LinkedBlockingQueue<>();
    private final Object handoff = new Object();
    private final Thread dispatcher;
    private final AtomicLong eventsSent = new AtomicLong();
    private final AtomicLong slowCancels = new AtomicLong();
    private volatile boolean running = true;
    private volatile int watcherCount;

    // guarded by handoff
    private int queuedPublishes;
    private boolean overflow;

    // owned by the dispatcher thread
    private final WatcherGroup synced = new WatcherGroup();
    private final Set<Watcher> unsynced = new LinkedHashSet<>();
    /** The newest revision the dispatcher has sent live (or skipped, after an overflow). */
    private long published;
    private long lastProgressNanos = System.nanoTime();
    private final StreamProgress streamProgress = new StreamProgress();

    private record Publish(List<KeyValue> changes) {
    }

    private record Register(Watcher w) {
    }

    private record Cancel(Watcher w, String reason) {
    }

    private record Progress(List<Watcher> ws) {
    }

    private record ProgressOfStream(Object stream, List<Watcher> ws) {
    }

    private record Resync() {
    }

    public WatchHub(Supplier<MvccStore> store, Duration progressInterval) {
        this(store, progressInterval, MAX_QUEUED);
    }

    WatchHub(Supplier<MvccStore> store, Duration progressInterval, int maxQueued) {
        this.maxQueued = maxQueued;
        this.store = store;
        this.progressInterval = progressInterval;
        this.dispatcher = Threads.daemon("raftkv-watch-dispatcher").newThread(this::run);
    }

    public void start() {
        published = store.get().revision();
        dispatcher.start();
    }

    /** On the apply thread: one write's changes (one revision). Never blocks. */
    public void publish(List<KeyValue> changes) {
        synchronized (handoff) {
            if (overflow) {
                return; // the dispatcher will catch every watcher up from the store
            }
            if (++queuedPublishes > maxQueued) {
                overflow = true;
                log.warn("watch dispatch is {} revisions behind: every watcher catches up from the store",
                        maxQueued);
            }
            tasks.add(new Publish(changes));
        }
    }

    /** After the store's state was replaced (snapshot install): every watcher catches up from the new history. */
    public void resyncAll() {
        tasks.add(new Resync());
    }

    /**
     * Starts a watch; its first message says it was created. "From now" is fixed here, at the revision the store
     * has when the watch is asked for, not when the dispatcher gets to it.
     */
    public Watcher watch(long watchId, WatchSpec spec, WatchSink sink) {
        Watcher w = new Watcher(watchId, spec, sink);
        w.nextRev = spec.startRevision() > 0 ? spec.startRevision() : store.get().revision() + 1;
        tasks.add(new Register(w));
        return w;
    }

    public void cancel(Watcher w) {
        w.canceled = true;
        tasks.add(new Cancel(w, null));
    }

    /** Sends each synced watcher of the list a progress notification with the current revision. */
    public void requestProgress(List<Watcher> ws) {
        tasks.add(new Progress(ws));
    }

    /** A client stream's progress request, answered as {@link StreamProgress} says; {@code stream} names it. */
    public void requestStreamProgress(Object stream, List<Watcher> ws) {
        tasks.add(new ProgressOfStream(stream, List.copyOf(ws)));
    }

    public int watchers() {
        return watcherCount;
    }

    public long eventsSent() {
        return eventsSent.get();
    }

    public long slowCancels() {
        return slowCancels.get();
    }

    // ------------------------------------------------------------------------------------------- dispatcher

    private void run() {
        while (running) {
            try {
                Object task = tasks.poll(unsynced.isEmpty() ? 100 : 0, TimeUnit.MILLISECONDS);
                int n = 0;
                while (task != null) {
                    handle(task);
                    if (++n == 1000) {
                        break; // let catch-up make progress too
                    }
                    task = tasks.poll();
                }
                if (overflowed()) {
                    recoverFromOverflow();
                }
                catchUpOnce();
                streamProgress.answer(published, (w, m) -> {
                    if (!send(w, m)) {
                        synced.remove(w);
                    }
                });
                progressIfDue();
                watcherCount = synced.size() + unsynced.size();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("watch dispatch failed; watchers catch up from the store", e);
                resync();
            }
        }
    }

    private boolean overflowed() {
        synchronized (handoff) {
            return overflow;
        }
    }

    private void handle(Object task) {
        if (task instanceof Publish p) {
            synchronized (handoff) {
                queuedPublishes--;
            }
            dispatch(p.changes());
        } else if (task instanceof Register r) {
            register(r.w());
        } else if (task instanceof Cancel c) {
            remove(c.w());
        } else if (task instanceof Progress p) {
            for (Watcher w : p.ws()) {
                if (w.synced && !w.canceled && !send(w, WatchMessage.progress(w.id, published))) {
                    synced.remove(w);
                }
            }
        } else if (task instanceof ProgressOfStream p) {
            streamProgress.request(p.stream(), p.ws());
        } else if (task instanceof Resync) {
            resync();
        }
    }

    private void register(Watcher w) {
        if (w.canceled) {
            return;
        }
        MvccStore s = store.get();
        if (!send(w, WatchMessage.created(w.id, s.revision()))) {
            return;
        }
        if (w.nextRev <= s.compactRevision()) {
            cancelCompacted(w, s);
            return;
        }
        if (w.nextRev > published) {
            w.synced = true;
            synced.add(w);
        } else {
            unsynced.add(w);
        }
    }

    private void remove(Watcher w) {
        synced.remove(w);
        unsynced.remove(w);
        w.synced = false;
        w.canceled = true;
    }

    /**
     * Sends one revision's changes to the synced watchers interested, each with what it asked for. A watcher's
     * {@code nextRev} moves only when a change in its range passes; between two such changes nothing in its range
     * happened, so a catch-up from an older {@code nextRev} (after an overflow) finds nothing it already has.
     */
    private void dispatch(List<KeyValue> changes) {
        if (changes.isEmpty()) {
            return;
        }
        long rev = changes.get(0).modRevision();
        published = Math.max(published, rev);
        if (synced.size() == 0) {
            return;
        }
        Map<Watcher, List<Event>> out = new HashMap<>();
        for (KeyValue kv : changes) {
            List<Watcher> ws = synced.matching(kv.key());
            if (ws.isEmpty()) {
                continue;
            }
            boolean isPut = kv.createRevision() != 0;
            KeyValue prev = null;
            boolean prevLoaded = false;
            for (Watcher w : ws) {
                if (w.canceled || rev < w.nextRev) {
                    continue;
                }
                List<Event> events = out.computeIfAbsent(w, x -> new ArrayList<>());
                if (isPut ? w.spec.noPut() : w.spec.noDelete()) {
                    continue;
                }
                if (w.spec.prevKv() && !prevLoaded) {
                    prev = previous(kv.key(), rev);
                    prevLoaded = true;
                }
                events.add(new Event(isPut ? Event.Type.PUT : Event.Type.DELETE, kv, w.spec.prevKv() ? prev : null));
            }
        }
        for (Map.Entry<Watcher, List<Event>> e : out.entrySet()) {
            Watcher w = e.getKey();
            w.nextRev = rev + 1;
            if (e.getValue().isEmpty()) {
                continue;
            }
            if (send(w, WatchMessage.events(w.id, rev, e.getValue()))) {
                eventsSent.addAndGet(e.getValue().size());
            } else {
                synced.remove(w);
            }
        }
    }

    /** The version of {@code key} before revision {@code rev}; null if none, or if compaction took it. */
    private KeyValue previous(byte[] key, long rev) {
        try {
            List<KeyValue> kvs = store.get().range(RangeRequest.of(key).revision(rev - 1).build()).kvs();
            return kvs.isEmpty() ? null : kvs.get(0);
        } catch (StorageException e) {
            return null;
        }
    }

    /** Replays one chunk of history to each unsynced watcher; moves the ones that caught up to the synced group. */
    private void catchUpOnce() {
        if (unsynced.isEmpty()) {
            return;
        }
        MvccStore s = store.get();
        Iterator<Watcher> it = unsynced.iterator();
        while (it.hasNext()) {
            Watcher w = it.next();
            if (w.canceled) {
                it.remove();
                continue;
            }
            ChangeBatch batch;
            try {
                batch = s.changes(w.nextRev, w.spec.range(), CATCH_UP_EVENTS);
            } catch (StorageException e) {
                if (e.code() == ErrorCode.COMPACTED) {
                    it.remove();
                    cancelCompacted(w, s);
                    continue;
                }
                throw e;
            }
            List<Event> events = new ArrayList<>();
            for (Event e : batch.events()) {
                boolean isPut = e.type() == Event.Type.PUT;
                if (isPut ? w.spec.noPut() : w.spec.noDelete()) {
                    continue;
                }
                events.add(w.spec.prevKv() ? e : new Event(e.type(), e.kv(), null));
            }
            if (!events.isEmpty()) {
                // The header speaks for every revision this watcher has been scanned through, as etcd's does for
                // its current revision, so that it never goes backwards after the "created" message.
                long through = Math.max(events.get(events.size() - 1).revision(),
                        Math.min(published, batch.nextRevision() - 1));
                if (!send(w, WatchMessage.events(w.id, through, events))) {
                    it.remove();
                    continue;
                }
                eventsSent.addAndGet(events.size());
            }
            w.nextRev = batch.nextRevision();
            if (w.nextRev > published) {
                it.remove();
                w.synced = true;
                synced.add(w);
            }
        }
    }

    private void cancelCompacted(Watcher w, MvccStore s) {
        long compacted = s.compactRevision();
        send(w, WatchMessage.canceled(w.id, s.revision(), compacted,
                "etcdserver: mvcc: required revision has been compacted"));
        w.canceled = true;
    }

    /** Sends; a full sink cancels the watcher (it is told why if it can still take a message). */
    private boolean send(Watcher w, WatchMessage m) {
        if (w.canceled) {
            return false;
        }
        if (w.sink.offer(m)) {
            return true;
        }
        slowCancels.incrementAndGet();
        log.warn("cancelling watch {}: its reader is too slow and its buffer is full", w.id);
        w.sink.offer(WatchMessage.canceled(w.id, m.revision(), 0, "raftkv: watcher too slow, its buffer is full"));
        w.canceled = true; // the caller takes it out of its group
        return false;
    }

    private void recoverFromOverflow() {
        synchronized (handoff) {
            tasks.removeIf(t -> t instanceof Publish);
            queuedPublishes = 0;
            published = Math.max(published, store.get().revision());
            overflow = false;
        }
        moveAllToUnsynced();
    }

    private void resync() {
        synchronized (handoff) {
            published = store.get().revision();
        }
        moveAllToUnsynced();
    }

    private void moveAllToUnsynced() {
        for (Watcher w : synced.all()) {
            w.synced = false;
            unsynced.add(w);
        }
        synced.clear();
    }

    private void progressIfDue() {
        if (System.nanoTime() - lastProgressNanos < progressInterval.toNanos()) {
            return;
        }
        lastProgressNanos = System.nanoTime();
        for (Watcher w : synced.all()) {
            if (w.spec.progressNotify() && !send(w, WatchMessage.progress(w.id, published))) {
                synced.remove(w);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        dispatcher.interrupt();
    }
}
