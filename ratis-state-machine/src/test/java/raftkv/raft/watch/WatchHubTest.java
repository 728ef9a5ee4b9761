package raftkv.raft.watch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.ChangeBatch;
import raftkv.storage.Event;
import raftkv.storage.KeyRange;
import raftkv.storage.MvccStore;
import raftkv.storage.StoreConfig;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;

/**
 * The hub against a real store: watchers created at random moments, from random revisions, over random ranges,
 * while a writer keeps writing, must each receive exactly the store's history for their range from their start:
 * in order, no gap, no duplicate, revisions whole.
 */
class WatchHubTest {

    @TempDir
    Path dir;
    MvccStore store;
    WatchHub hub;

    @AfterEach
    void close() {
        if (hub != null) {
            hub.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private void open(int maxQueued) {
        store = MvccStore.open(StoreConfig.defaults(dir));
        hub = new WatchHub(() -> store, Duration.ofMillis(200), maxQueued);
        store.onChanges(hub::publish);
        hub.start();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Collects what a watcher is sent; a capacity makes it a slow reader. */
    static final class Collector implements WatchSink {
        final List<WatchMessage> messages = new CopyOnWriteArrayList<>();
        final int capacity;

        Collector(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public boolean offer(WatchMessage m) {
            if (messages.size() >= capacity) {
                return false;
            }
            messages.add(m);
            return true;
        }

        List<Event> events() {
            List<Event> out = new ArrayList<>();
            messages.forEach(m -> out.addAll(m.events()));
            return out;
        }

        boolean canceled() {
            return messages.stream().anyMatch(WatchMessage::canceled);
        }
    }

    private void randomWrite(Random rnd) {
        String k = "k" + rnd.nextInt(30);
        switch (rnd.nextInt(6)) {
            case 0 -> store.deleteRange(DeleteRangeRequest.of(b(k)));
            case 1 -> store.txn(new TxnRequest(List.of(), List.<RequestOp>of(PutRequest.of(b(k), b("t")),
                    PutRequest.of(b("k" + (30 + rnd.nextInt(5))), b("t2"))), List.of()));
            default -> store.put(PutRequest.of(b(k), b("v" + rnd.nextInt(1000))));
        }
    }

    private List<Event> history(long from, KeyRange range) {
        List<Event> out = new ArrayList<>();
        long next = from;
        while (next <= store.revision()) {
            ChangeBatch b = store.changes(next, range, 1000);
            out.addAll(b.events());
            next = b.nextRevision();
        }
        return out;
    }

    @Test
    void everyWatcherGetsExactlyTheHistoryOfItsRangeFromItsStart() throws Exception {
        open(WatchHub.MAX_QUEUED);
        runRandomized(new Random(1));
    }

    @Test
    void aDispatcherThatFallsBehindCatchesEveryoneUpFromTheStore() throws Exception {
        open(5); // overflow almost at once
        runRandomized(new Random(2));
    }

    private void runRandomized(Random rnd) throws Exception {
        for (int i = 0; i < 200; i++) {
            randomWrite(rnd);
        }
        record W(Collector c, long from, KeyRange range, boolean prevKv) {
        }
        List<W> watchers = new ArrayList<>();
        Thread writer = new Thread(() -> {
            Random wr = new Random(rnd.nextLong());
            for (int i = 0; i < 3000; i++) {
                randomWrite(wr);
            }
        });
        writer.start();
        for (int i = 0; i < 40; i++) {
            long from = rnd.nextBoolean() ? 1 + rnd.nextInt((int) store.revision()) : 0;
            KeyRange range = switch (rnd.nextInt(3)) {
                case 0 -> KeyRange.single(b("k" + rnd.nextInt(35)));
                case 1 -> KeyRange.prefix(b("k1"));
                default -> new KeyRange(b("k" + rnd.nextInt(10)), b("k" + (10 + rnd.nextInt(25))));
            };
            boolean prevKv = rnd.nextBoolean();
            Collector c = new Collector(Integer.MAX_VALUE);
            long startedAt = store.revision();
            hub.watch(i, new WatchSpec(range, from, prevKv, false, false, false), c);
            watchers.add(new W(c, from == 0 ? -startedAt : from, range, prevKv));
            Thread.sleep(rnd.nextInt(20));
        }
        writer.join();
        for (W w : watchers) {
            // Done when the watcher has the newest event of its range, if one is due to it. A watcher "from now"
            // starts after the revision its created message names, not after the one the test read before creating it:
            // the writer may have gone on meanwhile (seen: 148 revisions on a loaded machine).
            await().atMost(Duration.ofSeconds(30)).until(() -> !w.c().messages.isEmpty());
            long start = w.from() > 0 ? w.from() : w.c().messages.get(0).revision() + 1;
            List<Event> due = history(start, w.range());
            long target = due.isEmpty() ? 0 : due.get(due.size() - 1).revision();
            await().atMost(Duration.ofSeconds(30)).alias("watcher from " + w.from() + " on " + w.range()
                    + " to reach " + target + ", has " + describe(w.c())).until(() -> {
                List<Event> got = w.c().events();
                return target == 0 ? !w.c().messages.isEmpty()
                        : !got.isEmpty() && got.get(got.size() - 1).revision() >= target;
            });
        }
        for (W w : watchers) {
            List<Event> got = w.c().events();
            assertTrue(w.c().messages.get(0).created(), "the first message says the watch was created");
            if (w.from() > 0) {
                List<Event> expected = history(w.from(), w.range());
                assertEquals(expected.size(), got.size(), "watcher from " + w.from() + " on " + w.range());
                for (int i = 0; i < expected.size(); i++) {
                    assertEquals(expected.get(i).kv(), got.get(i).kv(), "event " + i);
                    assertEquals(expected.get(i).type(), got.get(i).type());
                    if (w.prevKv()) {
                        assertEquals(expected.get(i).prevKv(), got.get(i).prevKv(), "prev of event " + i);
                    }
                }
            } else {
                // "From now": a suffix of the history, without gap or duplicate.
                List<Event> all = history(1, w.range());
                if (!got.isEmpty()) {
                    int at = indexOf(all, got.get(0));
                    assertTrue(at >= 0);
                    assertEquals(all.subList(at, all.size()).stream().map(Event::kv).toList(),
                            got.stream().map(Event::kv).toList(), "watcher from now on " + w.range());
                }
            }
        }
    }

    private static String describe(Collector c) {
        List<Event> got = c.events();
        return c.messages.size() + " messages, " + got.size() + " events"
                + (got.isEmpty() ? "" : ", last at " + got.get(got.size() - 1).revision())
                + (c.canceled() ? ", canceled" : "");
    }

    private static int indexOf(List<Event> all, Event e) {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).kv().equals(e.kv())) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aWatchFromACompactedRevisionIsCanceledWithTheCompactionRevision() throws Exception {
        open(WatchHub.MAX_QUEUED);
        for (int i = 0; i < 20; i++) {
            store.put(PutRequest.of(b("a"), b("v" + i)));
        }
        store.compact(10).get();
        Collector c = new Collector(100);
        hub.watch(7, new WatchSpec(KeyRange.single(b("a")), 5, false, false, false, false), c);
        await().atMost(Duration.ofSeconds(5)).until(c::canceled);
        WatchMessage cancel = c.messages.get(c.messages.size() - 1);
        assertEquals(10, cancel.compactRevision());
        assertEquals(7, cancel.watchId());
    }

    @Test
    void aSlowReaderIsCanceledWithAReasonAndOthersGoOn() throws Exception {
        open(WatchHub.MAX_QUEUED);
        Collector slow = new Collector(5);
        Collector fine = new Collector(Integer.MAX_VALUE);
        hub.watch(1, new WatchSpec(KeyRange.prefix(b("")), 0, false, false, false, false), slow);
        hub.watch(2, new WatchSpec(KeyRange.prefix(b("")), 0, false, false, false, false), fine);
        await().until(() -> hub.watchers() == 2);
        for (int i = 0; i < 50; i++) {
            store.put(PutRequest.of(b("x" + i), b("v")));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> fine.events().size() == 50);
        assertEquals(1, hub.slowCancels());
        assertEquals(1, hub.watchers());
    }

    @Test
    void filtersAndProgressNotifications() throws Exception {
        open(WatchHub.MAX_QUEUED);
        Collector noDeletes = new Collector(Integer.MAX_VALUE);
        hub.watch(1, new WatchSpec(KeyRange.single(b("f")), 0, true, false, true, true), noDeletes);
        await().until(() -> hub.watchers() == 1);
        store.put(PutRequest.of(b("f"), b("1")));
        store.deleteRange(DeleteRangeRequest.of(b("f")));
        store.put(PutRequest.of(b("f"), b("2")));
        await().atMost(Duration.ofSeconds(5)).until(() -> noDeletes.events().size() == 2);
        assertTrue(noDeletes.events().stream().allMatch(e -> e.type() == Event.Type.PUT));
        long progress0 = noDeletes.messages.stream().filter(m -> m.events().isEmpty() && !m.created()).count();
        await().atMost(Duration.ofSeconds(5)).until(() -> noDeletes.messages.stream()
                .filter(m -> m.events().isEmpty() && !m.created()).count() > progress0);
    }

    @Test
    void aStreamProgressRequestIsAnsweredOnceForTheStreamWhenAllItsWatchersCaughtUp() throws Exception {
        open(WatchHub.MAX_QUEUED);
        for (int i = 0; i < 3000; i++) {
            store.put(PutRequest.of(b("p" + (i % 10)), b("v" + i)));
        }
        Collector stream = new Collector(Integer.MAX_VALUE);
        Watcher live = hub.watch(1, new WatchSpec(KeyRange.single(b("q")), 0, false, false, false, false), stream);
        // From the start: thousands of events to replay in chunks, so it is unsynced when the request comes.
        Watcher replaying = hub.watch(2, new WatchSpec(KeyRange.prefix(b("p")), 1, false, false, false, false),
                stream);
        hub.requestStreamProgress(stream, List.of(live, replaying));
        await().atMost(Duration.ofSeconds(10)).until(() -> stream.messages.stream()
                .anyMatch(m -> m.watchId() == WatchMessage.STREAM_PROGRESS));
        List<WatchMessage> got = stream.messages;
        int at = 0;
        while (got.get(at).watchId() != WatchMessage.STREAM_PROGRESS) {
            at++;
        }
        WatchMessage progress = got.get(at);
        assertTrue(progress.events().isEmpty() && !progress.created() && !progress.canceled());
        assertEquals(store.revision(), progress.revision());
        List<Event> before = new ArrayList<>();
        got.subList(0, at).forEach(m -> before.addAll(m.events()));
        assertEquals(3000, before.size(), "every event up to the progress revision came before it");
        assertEquals(1, got.stream().filter(m -> m.watchId() == WatchMessage.STREAM_PROGRESS).count(),
                "one notification for the stream, not one per watcher");

        hub.cancel(live);
        hub.cancel(replaying);
        Collector empty = new Collector(Integer.MAX_VALUE);
        hub.requestStreamProgress(empty, List.of(live, replaying));
        // Requests are looked at in the order they came: once a later one is answered, the first was looked at.
        Collector probe = new Collector(Integer.MAX_VALUE);
        Watcher other = hub.watch(3, new WatchSpec(KeyRange.single(b("r")), 0, false, false, false, false), probe);
        hub.requestStreamProgress(probe, List.of(other));
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.messages.stream()
                .anyMatch(m -> m.watchId() == WatchMessage.STREAM_PROGRESS));
        assertTrue(empty.messages.isEmpty(), "a stream with no live watcher gets nothing, as from etcd");
    }
}
