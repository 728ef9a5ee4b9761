package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.it.ApiClient.b64;
import static raftkv.it.ApiClient.obj;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Leases on real processes: expiry deletes keys, keepalive holds them, a failover neither loses nor rushes them. */
class LeaseIT extends SharedClusterIT {

    private long grant(long ttl) throws Exception {
        var r = api.post(cluster.live().get(0).endpoint(), "/v3/lease/grant", obj().put("TTL", ttl));
        assertEquals(200, r.status(), r.body().toString());
        return r.body().path("ID").asLong();
    }

    private void putWithLease(String key, long lease) throws Exception {
        var r = api.post(cluster.live().get(0).endpoint(), "/v3/kv/put", obj().put("key", b64(key))
                .put("value", b64("v")).put("lease", lease));
        assertEquals(200, r.status(), r.body().toString());
    }

    private boolean exists(String key) throws Exception {
        return api.value(cluster.live().get(0).endpoint(), key) != null;
    }

    private void keepAlive(long lease) throws Exception {
        for (var n : cluster.live()) {
            try {
                // A client gives up on a member that does not answer quickly and tries another, as jetcd does.
                var r = api.post(n.endpoint(), "/v3/lease/keepalive", obj().put("ID", lease), Duration.ofMillis(1500));
                if (r.ok()) {
                    return;
                }
            } catch (Exception e) {
                // try the next member
            }
        }
    }

    @Test
    void aKeyWithAnExpiredLeaseDisappearsButNotBefore() throws Exception {
        long lease = grant(3);
        putWithLease("lease/short", lease);
        long t0 = System.nanoTime();
        Thread.sleep(1_500); // well inside the TTL
        assertTrue(exists("lease/short"), "the key lives while the lease does");
        await().atMost(Duration.ofSeconds(10)).until(() -> !exists("lease/short"));
        assertTrue((System.nanoTime() - t0) / 1e9 >= 2.5, "it went no earlier than the TTL");
        var ttl = api.post(cluster.live().get(0).endpoint(), "/v3/lease/timetolive", obj().put("ID", lease));
        assertEquals(-1, ttl.body().path("TTL").asLong(), "the lease is gone too");
    }

    @Test
    void keepaliveHoldsALeaseAcrossALeaderKillAndItsEndLetsItExpire() throws Exception {
        long lease = grant(4);
        putWithLease("lease/kept", lease);
        AtomicBoolean keeping = new AtomicBoolean(true);
        Thread keeper = new Thread(() -> {
            while (keeping.get()) {
                try {
                    keepAlive(lease);
                    Thread.sleep(1_000);
                } catch (Exception e) {
                    return;
                }
            }
        });
        keeper.start();
        Thread.sleep(2_000);
        int leader = cluster.leader();
        cluster.node(leader).kill();
        Thread.sleep(8_000); // twice the TTL, across the failover
        assertTrue(exists("lease/kept"), "keepalive held the lease across the failover");
        var ttl = api.post(cluster.live().get(0).endpoint(), "/v3/lease/timetolive",
                obj().put("ID", lease).put("keys", true));
        assertTrue(ttl.body().path("TTL").asLong() > 0, ttl.body().toString());
        assertNotNull(ttl.body().path("keys").get(0));
        keeping.set(false);
        keeper.join();
        await().atMost(Duration.ofSeconds(15)).until(() -> !exists("lease/kept"));
        cluster.node(leader).start();
        cluster.awaitHealthy();
    }

    @Test
    void aFailoverDoesNotExpireLeasesEarly() throws Exception {
        long lease = grant(10);
        putWithLease("lease/failover", lease);
        long t0 = System.nanoTime();
        Thread.sleep(1_000);
        int leader = cluster.leader();
        cluster.node(leader).kill();
        cluster.leader(); // a new one is elected
        while ((System.nanoTime() - t0) / 1e9 < 9) {
            assertTrue(exists("lease/failover"), "the lease was expired early, "
                    + (System.nanoTime() - t0) / 1_000_000 + " ms after its grant");
            Thread.sleep(500);
        }
        // The new leader restarted its clock with the full TTL: it expires within TTL + the failover.
        await().atMost(Duration.ofSeconds(20)).until(() -> !exists("lease/failover"));
        cluster.node(leader).start();
        cluster.awaitHealthy();
    }

    /**
     * A leader frozen past a lease's TTL (a long GC pause, SIGSTOP) while a client keeps the lease alive through the
     * other members: the new leader keeps it, and the old one, resumed with its stale clock, must not revoke it (its
     * expiry used to be forwarded to the new leader and applied). Three times in a row; then, once the keepalives
     * stop, the lease expires as it should.
     */
    @Test
    void aDeposedLeaderDoesNotRevokeALeaseItsSuccessorKeepsAlive() throws Exception {
        long ttl = 4;
        long lease = grant(ttl);
        putWithLease("lease/paused-leader", lease);
        long created = createRevision("lease/paused-leader");
        AtomicBoolean keeping = new AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicLong lastRenewal = new java.util.concurrent.atomic.AtomicLong();
        Thread keeper = new Thread(() -> {
            while (keeping.get()) {
                // Through the members that are not frozen, as a client that fails over would.
                for (var n : cluster.live()) {
                    if (n.isPaused()) {
                        continue;
                    }
                    try {
                        var r = api.post(n.endpoint(), "/v3/lease/keepalive", obj().put("ID", lease),
                                Duration.ofMillis(1500));
                        if (r.ok() && r.body().path("result").path("TTL").asLong() > 0) {
                            lastRenewal.set(System.nanoTime());
                            break;
                        }
                    } catch (Exception e) {
                        // try the next member
                    }
                }
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        keeper.start();
        try {
            for (int round = 1; round <= 3; round++) {
                var leader = cluster.node(cluster.leader());
                leader.pause();
                try {
                    Thread.sleep((ttl + 2) * 1_000); // past the TTL on the frozen leader's clock
                } finally {
                    leader.resume();
                }
                // The resumed leader's lease clock has run out; give it time to act on it before it steps down.
                Thread.sleep(3_000);
                assertEquals(created, createRevision("lease/paused-leader"), "round " + round + ": the key kept"
                        + " alive through the new leader was deleted after the old leader (node " + leader.id()
                        + ") resumed");
                cluster.awaitHealthy();
            }
        } finally {
            keeping.set(false);
            keeper.join();
        }
        long stopped = lastRenewal.get();
        await().atMost(Duration.ofSeconds(ttl + 10)).pollInterval(Duration.ofMillis(100))
                .until(() -> !exists("lease/paused-leader"));
        long gone = (System.nanoTime() - stopped) / 1_000_000;
        assertTrue(gone <= (ttl + 2) * 1_000, "the lease expired " + gone + " ms after its last renewal, more than"
                + " its TTL + 2 s");
    }

    /** The create revision of {@code key}, 0 when it does not exist. */
    private long createRevision(String key) throws Exception {
        var r = api.post(cluster.live().stream().filter(n -> !n.isPaused()).findFirst().orElseThrow().endpoint(),
                "/v3/kv/range", obj().put("key", b64(key)));
        assertEquals(200, r.status(), r.body().toString());
        var kvs = r.body().path("kvs");
        return kvs.isEmpty() ? 0 : kvs.get(0).path("create_revision").asLong();
    }
}
