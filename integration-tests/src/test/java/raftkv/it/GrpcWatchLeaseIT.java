package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.WatchCancelRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchProgressRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import raftkv.it.JetcdListeners.Seen;

/**
 * etcd's Watch and Lease gRPC services on real processes, through jetcd (etcd's Java client) and, for what jetcd
 * cannot ask (several watches on one stream, client-chosen ids, fragments, LeaseLeases), grpc-java's own stubs.
 */
class GrpcWatchLeaseIT extends SharedClusterIT {

    /** The nodes' default request limit plus etcd's 512 KiB: a fragment stays under it. */
    private static final long FRAGMENT_LIMIT = 1_572_864 + (512 << 10);

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String str(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    private Client jetcd() {
        return Client.builder().endpoints(cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint)
                .toArray(String[]::new)).build();
    }

    @Test
    void prefixWatchesWithPrevKvAndFiltersAndManyWatchesOnOneClient() throws Exception {
        try (Client c = jetcd()) {
            Seen puts = new Seen();
            Seen deletes = new Seen();
            c.getWatchClient().watch(bs("gw/"), WatchOption.builder().isPrefix(true).withPrevKV(true)
                    .withNoDelete(true).withCreateNotify(true).build(), puts);
            c.getWatchClient().watch(bs("gw/"), WatchOption.builder().isPrefix(true).withPrevKV(true)
                    .withNoPut(true).withCreateNotify(true).build(), deletes);
            List<Seen> many = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Seen s = new Seen();
                c.getWatchClient().watch(bs("gm/" + i), WatchOption.builder().withCreateNotify(true).build(), s);
                many.add(s);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !puts.responses.isEmpty()
                    && !deletes.responses.isEmpty() && many.stream().allMatch(s -> !s.responses.isEmpty()));
            c.getKVClient().put(bs("gw/a"), bs("1")).get(10, TimeUnit.SECONDS);
            c.getKVClient().put(bs("gw/a"), bs("2")).get(10, TimeUnit.SECONDS);
            c.getKVClient().put(bs("gx"), bs("outside")).get(10, TimeUnit.SECONDS);
            c.getKVClient().delete(bs("gw/a")).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                c.getKVClient().put(bs("gm/" + i), bs("v" + i)).get(10, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> puts.events.size() == 2 && deletes.events.size() == 1
                    && many.stream().allMatch(s -> s.events.size() == 1));
            assertTrue(puts.events.stream().allMatch(e -> e.getEventType() == WatchEvent.EventType.PUT));
            assertEquals("1", str(puts.events.get(1).getPrevKV().getValue()));
            assertEquals(WatchEvent.EventType.DELETE, deletes.events.get(0).getEventType());
            assertEquals("2", str(deletes.events.get(0).getPrevKV().getValue()));
            for (int i = 0; i < 20; i++) {
                assertEquals("v" + i, str(many.get(i).events.get(0).getKeyValue().getValue()));
            }
        }
    }

    @Test
    void aPastStartRevisionReplaysHistoryAndACompactedOneIsCancelledAsEtcdCancelsIt() throws Exception {
        try (Client c = jetcd()) {
            long first = c.getKVClient().put(bs("gh/k"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            c.getKVClient().put(bs("gh/k"), bs("2")).get(10, TimeUnit.SECONDS);
            c.getKVClient().put(bs("gh/k"), bs("3")).get(10, TimeUnit.SECONDS);
            Seen history = new Seen();
            c.getWatchClient().watch(bs("gh/k"), WatchOption.builder().withRevision(first).build(), history);
            await().atMost(Duration.ofSeconds(10)).until(() -> history.events.size() == 3);
            assertEquals(List.of("1", "2", "3"), history.events.stream().map(e -> str(e.getKeyValue().getValue()))
                    .toList());

            long now = c.getKVClient().put(bs("gh/k"), bs("4")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            c.getKVClient().compact(now).get(10, TimeUnit.SECONDS);
            Seen compacted = new Seen();
            c.getWatchClient().watch(bs("gh/k"), WatchOption.builder().withRevision(first).build(), compacted);
            await().atMost(Duration.ofSeconds(10)).until(() -> !compacted.errors.isEmpty());
            CompactedException e = assertInstanceOf(CompactedException.class, compacted.errors.get(0));
            assertEquals(now, e.getCompactedRevision());
            assertTrue(compacted.events.isEmpty());
        }
    }

    /**
     * One SIGKILL of the leader under a steady stream of writes, with two things riding on it. A jetcd watch that the
     * leader serves: jetcd resumes on another member from the revision after the last it got, and sees every write
     * exactly once, in order. A lease jetcd keeps alive: it outlives the failover by twice its TTL; time-to-live
     * names its key, LeaseLeases lists it; its revoke deletes the key, and then it is gone everywhere.
     */
    @Test
    void aLeaderKillBreaksNeitherAWatchNorAKeptAliveLease() throws Exception {
        long ttl = 4;
        int leader = cluster.leader();
        long start = api.putRevision(cluster.node(leader).endpoint(), "gk/start", "0") + 1;
        Writer writer = new Writer();
        try (Client c = jetcd()) {
            long lease = c.getLeaseClient().grant(ttl).get(10, TimeUnit.SECONDS).getID();
            c.getKVClient().put(bs("gl/kept"), bs("v"), PutOption.builder().withLeaseId(lease).build())
                    .get(10, TimeUnit.SECONDS);
            AtomicInteger renewals = new AtomicInteger();
            var keeper = c.getLeaseClient().keepAlive(lease, JetcdListeners.counting(renewals));
            Seen seen = onLeader(c, leader, start);
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.events.size() > 30 && renewals.get() > 0);

            cluster.node(leader).kill();
            int renewalsAtKill = renewals.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> !seen.errors.isEmpty()); // the stream broke
            await().during(Duration.ofSeconds(2 * ttl)).atMost(Duration.ofSeconds(2 * ttl + 5))
                    .pollInterval(Duration.ofMillis(250)).until(() -> !absent("gl/kept"));
            assertTrue(renewals.get() > renewalsAtKill, "renewed after the kill");

            long last = writer.stop();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                List<Long> revs = seen.revisions();
                return revs.get(revs.size() - 1) >= last;
            });
            List<Long> revisions = seen.revisions();
            for (int i = 1; i < revisions.size(); i++) {
                assertTrue(revisions.get(i) > revisions.get(i - 1), "in order, no duplicate, at " + i + ": "
                        + revisions.get(i - 1) + " then " + revisions.get(i));
            }
            assertTrue(revisions.containsAll(writer.acked), "every acknowledged write was seen");
            // Nothing is missing either: a fresh replay of the same history has exactly the same revisions.
            Seen replay = new Seen();
            c.getWatchClient().watch(bs("gk/"), WatchOption.builder().isPrefix(true).withRevision(start).build(),
                    replay);
            await().atMost(Duration.ofSeconds(20)).until(() -> replay.events.size() >= revisions.size());
            assertEquals(revisions, replay.revisions().subList(0, revisions.size()));

            var t = c.getLeaseClient().timeToLive(lease, LeaseOption.builder().withAttachedKeys().build())
                    .get(10, TimeUnit.SECONDS);
            assertTrue(t.getTTL() > 0, "TTL " + t.getTTL());
            assertEquals(ttl, t.getGrantedTTL());
            assertEquals(List.of("gl/kept"), t.getKeys().stream().map(GrpcWatchLeaseIT::str).toList());
            assertTrue(RawWatchStream.leases(cluster.live().get(0).endpoint()).contains(lease));
            keeper.close();
            c.getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
            assertEquals(0, c.getKVClient().get(bs("gl/kept")).get(10, TimeUnit.SECONDS).getCount());
            assertEquals(-1, c.getLeaseClient().timeToLive(lease, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS)
                    .getTTL());
            assertFalse(RawWatchStream.leases(cluster.live().get(0).endpoint()).contains(lease));
        } finally {
            writer.stop();
            if (!cluster.node(leader).isAlive()) {
                cluster.node(leader).start();
                cluster.awaitHealthy();
            }
        }
    }

    /** Puts to {@code gk/*} through random live members until stopped; keeps the revisions acknowledged. */
    private final class Writer {
        final List<Long> acked = new CopyOnWriteArrayList<>();
        private final AtomicBoolean writing = new AtomicBoolean(true);
        private final Thread thread = new Thread(this::run, "gk-writer");

        Writer() {
            thread.start();
        }

        private void run() {
            Random rnd = new Random(7);
            for (int i = 0; writing.get(); i++) {
                var nodes = cluster.live();
                try {
                    var r = api.put(nodes.get(rnd.nextInt(nodes.size())).endpoint(), "gk/" + (i % 20), "v" + i);
                    if (r.ok()) {
                        acked.add(r.revision());
                    }
                } catch (Exception e) {
                    // the member was killed: outcome unknown
                }
            }
        }

        /** Stops writing; returns the newest revision acknowledged. */
        long stop() throws InterruptedException {
            writing.set(false);
            thread.join();
            return acked.stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }

    /** A watch of {@code gk/} from {@code start} that the leader serves (jetcd spreads streams over the members). */
    private Seen onLeader(Client c, int leader, long start) {
        for (int attempt = 0; attempt < 12; attempt++) {
            Seen s = new Seen();
            Watch.Watcher w = c.getWatchClient().watch(bs("gk/"), WatchOption.builder().isPrefix(true)
                    .withRevision(start).withCreateNotify(true).build(), s);
            await().atMost(Duration.ofSeconds(10)).until(() -> !s.responses.isEmpty());
            if (s.responses.get(0).getHeader().getMemberId() == leader) {
                return s;
            }
            w.close();
        }
        throw new AssertionError("no watch stream landed on the leader, node " + leader);
    }

    /** True only when a member answers that the key does not exist; a member that cannot answer says nothing. */
    private boolean absent(String key) {
        for (var n : cluster.live()) {
            try {
                var r = api.post(n.endpoint(), "/v3/kv/range", ApiClient.obj().put("key", ApiClient.b64(key)));
                if (r.ok()) {
                    return r.body().path("kvs").isEmpty();
                }
            } catch (Exception e) {
                // a member in the middle of the failover: ask the next
            }
        }
        return false;
    }

    /** Lease errors are etcd's, by code and message, as etcd's clients match them. */
    @Test
    void leaseErrorsAreEtcds() throws Exception {
        var ch = RawWatchStream.channel(cluster.node(1).endpoint());
        try {
            var lease = LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
            long id = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).setID(777_001).build()).getID();
            assertEquals(777_001, id);
            assertStatus(Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists", () ->
                    lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).setID(id).build()));
            assertStatus(Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL", () ->
                    lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(9_000_000_001L).build()));
            assertStatus(Status.Code.INVALID_ARGUMENT, "\"ID\"", () ->
                    lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).setID(-5).build()));
            lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
            assertStatus(Status.Code.NOT_FOUND, "etcdserver: requested lease not found", () ->
                    lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
            // etcd raises a TTL under the minimum rather than refuse it
            long small = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(0).build()).getTTL();
            assertTrue(small >= 1, "TTL " + small);
        } finally {
            ch.shutdownNow();
        }
    }

    private static void assertStatus(Status.Code code, String message, Runnable call) {
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                call::run);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        assertTrue(e.getStatus().getDescription().contains(message), e.toString());
    }

    /**
     * Several watches on one stream, as etcd's Go client multiplexes them: a client-chosen id, server-chosen ones, a
     * duplicate refused, every key by an empty key and range end \0, a cancel answered, a progress request answered
     * once for the stream; then a malformed create ends the stream with INVALID_ARGUMENT naming the field.
     */
    @Test
    void oneStreamCarriesManyWatchesIdsCancelsAndProgress() throws Exception {
        try (RawWatchStream s = new RawWatchStream(cluster.node(2).endpoint())) {
            s.send(RawWatchStream.create("gs/a", null, 7, false));
            s.send(RawWatchStream.create("gs/b", null, 0, false));
            s.send(RawWatchStream.create("gs/c", null, 7, false));
            s.send(RawWatchStream.create("", new byte[] {0}, 0, false));
            await().atMost(Duration.ofSeconds(10)).until(() -> s.responses.size() == 4);
            WatchResponse refused = s.responses.stream().filter(WatchResponse::getCanceled).findFirst().orElseThrow();
            assertTrue(refused.getCreated());
            assertEquals(-1, refused.getWatchId());
            assertEquals("mvcc: duplicate watch ID provided on the WatchStream", refused.getCancelReason());
            List<Long> created = s.responses.stream().filter(r -> r.getCreated() && !r.getCanceled())
                    .map(WatchResponse::getWatchId).toList();
            assertEquals(3, created.size());
            assertEquals(7L, created.get(0));
            long b = created.get(1);
            long all = created.get(2);
            assertTrue(b != 7 && all != 7 && b != all, "server-chosen ids skip the client's: " + created);

            long rev = api.putRevision(cluster.node(1).endpoint(), "gs/a", "1");
            api.put(cluster.node(3).endpoint(), "gs/b", "2");
            await().atMost(Duration.ofSeconds(10)).until(() -> s.of(7).size() == 2 && s.of(b).size() == 2
                    && s.of(all).size() == 3);
            assertEquals(rev, s.of(7).get(1).getEvents(0).getKv().getModRevision());

            s.send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(7)).build());
            s.send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
            await().atMost(Duration.ofSeconds(10)).until(() -> s.of(7).size() == 3 && s.of(-1).size() == 2);
            assertTrue(s.of(7).get(2).getCanceled());
            WatchResponse progress = s.of(-1).get(1);
            assertTrue(progress.getEventsCount() == 0 && !progress.getCreated() && !progress.getCanceled());
            assertTrue(progress.getHeader().getRevision() > rev);
            api.put(cluster.node(1).endpoint(), "gs/a", "3");
            await().atMost(Duration.ofSeconds(10)).until(() -> s.of(all).size() == 4);
            assertEquals(3, s.of(7).size(), "nothing after the cancel");

            s.send(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("gs/x")).setStartRevision(-3));
            await().atMost(Duration.ofSeconds(10)).until(() -> s.error != null);
            Status st = Status.fromThrowable(s.error);
            assertEquals(Status.Code.INVALID_ARGUMENT, st.getCode());
            assertTrue(st.getDescription().contains("create_request.start_revision"), st.toString());
        }
    }

    /**
     * A watch that asked for fragments gets a response over the limit as several (all but the last marked fragment),
     * which join into what a watch without them gets whole: one delete of 40 keys of 100 KiB each, seen with prev_kv.
     */
    @Test
    void aLargeResponseComesInFragmentsToAWatchThatAskedForThem() throws Exception {
        String e = cluster.node(1).endpoint();
        String value = "x".repeat(100 << 10);
        for (int i = 0; i < 40; i++) {
            api.put(e, String.format("gf/%02d", i), value);
        }
        try (RawWatchStream s = new RawWatchStream(cluster.node(3).endpoint())) {
            byte[] end = "gf0".getBytes(StandardCharsets.UTF_8); // the prefix gf/ ends before gf0
            s.send(RawWatchStream.create("gf/", end, 1, true).setPrevKv(true));
            s.send(RawWatchStream.create("gf/", end, 2, false).setPrevKv(true));
            await().atMost(Duration.ofSeconds(10)).until(() -> s.responses.size() == 2);
            var deleted = api.post(e, "/v3/kv/deleterange", ApiClient.obj().put("key", ApiClient.b64("gf/"))
                    .put("range_end", ApiClient.b64("gf0")));
            assertTrue(deleted.ok(), deleted.body().toString());
            // Past its created message, up to a part not marked fragment (the two watches' answers may come in
            // either order).
            await().atMost(Duration.ofSeconds(20)).until(() -> s.of(2).size() == 2 && s.of(1).size() > 1
                    && !RawWatchStream.isFragment(s.of(1).get(s.of(1).size() - 1)));
            WatchResponse whole = s.of(2).get(1);
            assertEquals(40, whole.getEventsCount());
            assertTrue(!RawWatchStream.isFragment(whole));
            List<WatchResponse> parts = s.of(1).subList(1, s.of(1).size());
            assertTrue(parts.size() >= 2, parts.size() + " fragments");
            List<io.etcd.jetcd.api.Event> joined = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                WatchResponse p = parts.get(i);
                assertEquals(i < parts.size() - 1, RawWatchStream.isFragment(p), "fragment flag of part " + i);
                assertTrue(p.getSerializedSize() < FRAGMENT_LIMIT, "part " + i + ": " + p.getSerializedSize());
                assertEquals(whole.getHeader(), p.getHeader());
                joined.addAll(p.getEventsList());
            }
            assertEquals(whole.getEventsList(), joined);
            assertEquals(value, joined.get(39).getPrevKv().getValue().toStringUtf8());
        }
    }

    /** Every test closes its clients, so that a member's watchers all go: none is left behind by a dropped stream. */
    @Test
    void aStreamTheClientAbandonsLeavesNoWatcherBehind() throws Exception {
        String e = cluster.node(2).endpoint();
        await().atMost(Duration.ofSeconds(10)).until(() -> watchers(e) == 0);
        RawWatchStream s = new RawWatchStream(e);
        for (int i = 0; i < 5; i++) {
            s.send(RawWatchStream.create("ga/" + i, null, 0, false));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> s.responses.size() == 5 && watchers(e) == 5);
        s.close(); // the channel goes away without a word: the call is cancelled
        await().atMost(Duration.ofSeconds(10)).until(() -> watchers(e) == 0);
    }

    private long watchers(String endpoint) throws Exception {
        return (long) api.metric(endpoint, "raftkv_watch_watchers");
    }
}
