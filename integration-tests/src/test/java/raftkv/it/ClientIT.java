package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import raftkv.client.Cmp;
import raftkv.client.GetOptions;
import raftkv.client.KeepAlive;
import raftkv.client.MaintenanceClient;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.RaftKvException;
import raftkv.client.Responses;
import raftkv.client.TxnOp;
import raftkv.client.WatchEvent;
import raftkv.client.WatchListener;
import raftkv.client.WatchOptions;
import raftkv.client.Watcher;

/** The Java client against a real 3-process cluster: failover of each service, watch resume, lease keepalive. */
class ClientIT extends SharedClusterIT {

    private RaftKv client() {
        List<String> eps = new ArrayList<>();
        cluster.nodes().forEach(n -> eps.add(n.endpoint()));
        return RaftKv.builder().endpoints(eps).timeout(Duration.ofSeconds(15)).build();
    }

    /** A client that talks to the leader first, so that killing it is felt. */
    private RaftKv leaderFirstClient() {
        int leader = cluster.leader();
        List<String> eps = new ArrayList<>(List.of(cluster.node(leader).endpoint()));
        cluster.nodes().stream().filter(n -> n.id() != leader).forEach(n -> eps.add(n.endpoint()));
        return RaftKv.builder().endpoints(eps).timeout(Duration.ofSeconds(15)).build();
    }

    private void restartKilled() throws Exception {
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            if (!n.isAlive()) {
                n.start();
            }
        }
        cluster.awaitHealthy();
    }

    @Test
    void everyServiceFailsOverAcrossALeaderKill() throws Exception {
        try (RaftKv kv = leaderFirstClient()) {
            kv.kv().put("fo/a", "1").join();
            long lease = kv.lease().grant(30).join().id();
            cluster.node(cluster.leader()).kill();

            // Reads and other safe calls go on through the survivors; writes succeed or say their outcome is unknown.
            assertEquals("1", kv.kv().get("fo/a").join().kvs().get(0).valueString());
            String written = "2";
            try {
                kv.kv().put("fo/a", written).join();
            } catch (CompletionException e) {
                assertTrue(e.getCause() instanceof RaftKvException.OutcomeUnknown, e.toString());
            }
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertEquals("3", putThenGet(kv, "fo/b", "3")));
            Responses.Txn t = kv.kv().txn().when(Cmp.value("fo/b", Cmp.Op.EQUAL, "3"))
                    .then(TxnOp.put("fo/c", "4", PutOptions.DEFAULT)).commit().join();
            assertTrue(t.succeeded());
            assertTrue(kv.lease().timeToLive(lease, false).join().ttlSeconds() > 0);
            assertEquals(1, kv.lease().keepAliveOnce(lease).thenApply(ttl -> ttl > 0 ? 1 : 0).join());
            assertEquals(3, kv.cluster().list().join().size());
            assertFalse(kv.maintenance().alarms().join().iterator().hasNext());
            long live = cluster.live().size();
            long answered = 0;
            for (var n : cluster.live()) {
                MaintenanceClient.Status s = kv.maintenance().status(java.net.URI.create(n.endpoint())).join();
                answered += s.leader() > 0 ? 1 : 0;
            }
            assertEquals(live, answered);
            assertTrue(kv.endpointHealth().stream().anyMatch(h -> !h.reachable()), kv.endpointHealth().toString());
        } finally {
            restartKilled();
        }
    }

    private static String putThenGet(RaftKv kv, String key, String value) {
        kv.kv().put(key, value).join();
        return kv.kv().get(key).join().kvs().get(0).valueString();
    }

    @Test
    void aWatchResumesOnAnotherNodeWithNoLostOrDuplicateEvent() throws Exception {
        try (RaftKv kv = client(); RaftKv writer = client()) {
            List<WatchEvent> seen = new CopyOnWriteArrayList<>();
            List<Long> resumes = new CopyOnWriteArrayList<>();
            Watcher w = kv.watch().watch("wr/", WatchOptions.DEFAULT.withPrefix(), new WatchListener() {
                @Override
                public void onEvents(List<WatchEvent> events, long revision) {
                    seen.addAll(events);
                }

                @Override
                public void onResumed(java.net.URI endpoint, long fromRevision) {
                    resumes.add(fromRevision);
                }
            });
            w.created().join();
            List<Long> acknowledged = new ArrayList<>();
            int i = 0;
            for (int round = 0; round < 3; round++) {
                for (int k = 0; k < 30; k++, i++) {
                    try {
                        acknowledged.add(writer.kv().put("wr/" + (i % 7), "v" + i).join().header().revision());
                    } catch (CompletionException e) {
                        assertTrue(e.getCause() instanceof RaftKvException.OutcomeUnknown, e.toString());
                    }
                }
                // Kill every node in turn, so the watch's own node dies at least once.
                TestCluster.NodeProcess victim = cluster.node(1 + round);
                victim.kill();
                victim.start();
                cluster.awaitHealthy();
            }
            for (int k = 0; k < 10; k++, i++) {
                acknowledged.add(writer.kv().put("wr/" + (i % 7), "v" + i).join().header().revision());
            }
            long last = acknowledged.get(acknowledged.size() - 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> !seen.isEmpty()
                    && seen.get(seen.size() - 1).kv().modRevision() >= last);
            w.close();

            // Exactly the store's history of the prefix, in order, once each.
            List<Long> expected = new ArrayList<>();
            Watcher replay = kv.watch().watch("wr/", WatchOptions.DEFAULT.withPrefix().withStartRevision(1),
                    (events, rev) -> events.forEach(e -> expected.add(e.kv().modRevision())));
            await().atMost(Duration.ofSeconds(10)).until(() -> !expected.isEmpty()
                    && expected.get(expected.size() - 1) >= last);
            replay.close();
            List<Long> got = seen.stream().map(e -> e.kv().modRevision()).toList();
            assertEquals(expected, got);
            assertTrue(got.containsAll(acknowledged));
            assertFalse(resumes.isEmpty(), "the watch never had to resume");
        } finally {
            restartKilled();
        }
    }

    @Test
    void aKeepAliveSurvivesALeaderKillAndReportsTheLeaseLost() throws Exception {
        try (RaftKv kv = leaderFirstClient(); RaftKv other = client()) {
            long id = kv.lease().grant(5).join().id();
            kv.kv().put("ka/key", "held", PutOptions.DEFAULT.withLease(id)).join();
            AtomicReference<String> lost = new AtomicReference<>();
            KeepAlive k = kv.lease().keepAlive(id, (lease, reason) -> lost.set(reason));
            cluster.node(cluster.leader()).kill();
            // Three TTLs through the failover: the key stays, and the keepalive reports nothing lost.
            await().during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        assertEquals(null, lost.get(), "the keepalive reported the lease lost");
                        assertEquals(1, other.kv().get("ka/key").join().kvs().size(), "the key expired");
                    });
            other.lease().revoke(id).join();
            await().atMost(Duration.ofSeconds(10)).until(() -> lost.get() != null);
            assertTrue(lost.get().contains("expired or was revoked"), lost.get());
            assertTrue(other.kv().get("ka/key").join().kvs().isEmpty());
            k.close();
        } finally {
            restartKilled();
        }
    }

    @Test
    void aCompactedStartReachesTheListenerAsAnEvent() {
        try (RaftKv kv = client()) {
            kv.kv().put("cw/a", "1").join();
            long rev = kv.kv().put("cw/a", "2").join().header().revision();
            kv.kv().compact(rev).join();
            AtomicReference<Long> compacted = new AtomicReference<>();
            kv.watch().watch("cw/a", WatchOptions.DEFAULT.withStartRevision(1), new WatchListener() {
                @Override
                public void onEvents(List<WatchEvent> events, long revision) {
                }

                @Override
                public void onCompacted(long compactRevision) {
                    compacted.set(compactRevision);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> compacted.get() != null);
            assertEquals(rev, compacted.get());
            RaftKvException e = (RaftKvException) assertThrowsCause(() ->
                    kv.kv().get("cw/a", GetOptions.DEFAULT.withRevision(1)).join());
            assertTrue(e instanceof RaftKvException.Compacted, e.toString());
            assertNotNull(kv.kv().get("cw/a").join().kvs().get(0));
        }
    }

    private static Throwable assertThrowsCause(Runnable r) {
        try {
            r.run();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("no failure");
    }
}
