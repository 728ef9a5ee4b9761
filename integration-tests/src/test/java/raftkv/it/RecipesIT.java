package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import raftkv.client.RaftKv;
import raftkv.client.RaftKvException;
import raftkv.client.Watcher;
import raftkv.client.recipes.Election;
import raftkv.client.recipes.Lock;
import raftkv.client.recipes.Session;

/** The Lock and Election recipes against a real 3-process cluster, with a leader kill and a client's death. */
class RecipesIT extends SharedClusterIT {

    private RaftKv client(int first) {
        List<String> eps = new ArrayList<>();
        List<TestCluster.NodeProcess> nodes = cluster.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            eps.add(nodes.get((first + i) % nodes.size()).endpoint());
        }
        return RaftKv.builder().endpoints(eps).timeout(Duration.ofSeconds(15)).build();
    }

    @Test
    void aLockExcludesTenClientsThroughALeaderKill() throws Exception {
        int clients = 10;
        int rounds = 8;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger increments = new AtomicInteger();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try (RaftKv setup = client(0)) {
            setup.kv().put("counter", "0").join();
        }
        for (int c = 0; c < clients; c++) {
            int id = c;
            threads.add(new Thread(() -> {
                try (RaftKv kv = client(id); Session s = Session.create(kv, 5, null).join()) {
                    Lock lock = new Lock(s, "locks/counter");
                    for (int r = 0; r < rounds; r++) {
                        lock.lock();
                        try {
                            if (inside.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            long v = Long.parseLong(kv.kv().get("counter").join().kvs().get(0).valueString());
                            try {
                                kv.kv().put("counter", Long.toString(v + 1)).join();
                            } catch (CompletionException e) {
                                if (!(e.getCause() instanceof RaftKvException.OutcomeUnknown)) {
                                    throw e;
                                }
                                // Still holding the lock: the counter says whether the write landed.
                                long now = Long.parseLong(kv.kv().get("counter").join().kvs().get(0).valueString());
                                if (now == v) {
                                    kv.kv().put("counter", Long.toString(v + 1)).join();
                                }
                            }
                            increments.incrementAndGet();
                            inside.decrementAndGet();
                        } finally {
                            lock.unlock();
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }, "locker-" + c));
        }
        threads.forEach(Thread::start);
        await().atMost(Duration.ofSeconds(60)).until(() -> increments.get() >= clients * rounds / 4);
        cluster.node(cluster.leader()).kill();
        for (Thread t : threads) {
            t.join(120_000);
            assertFalse(t.isAlive(), t.getName() + " is stuck");
        }
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            if (!n.isAlive()) {
                n.start();
            }
        }
        cluster.awaitHealthy();
        assertEquals(List.of(), failures);
        assertEquals(0, overlaps.get(), "two clients held the lock at once");
        assertEquals(clients * rounds, increments.get());
        try (RaftKv check = client(1)) {
            assertEquals(Integer.toString(clients * rounds),
                    check.kv().get("counter").join().kvs().get(0).valueString(), "an increment was lost");
        }
    }

    @Test
    void leadershipPassesOnWhenTheLeadingProcessDies() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (RaftKv observer = client(2);
             Watcher w = Election.observe(observer, "elect/svc", l -> seen.add(l == null ? "-" : l.value()))) {
            RaftKv a = client(1);
            AtomicReference<String> aLost = new AtomicReference<>();
            Session sa = Session.create(a, 5, aLost::set).join();
            Election ea = new Election(sa, "elect/svc");
            ea.campaign("a");
            assertEquals("a", Election.leader(observer, "elect/svc").value());
            assertTrue(ea.proclaim("a2"), "a's session: " + aLost.get());
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("a2"));

            try (RaftKv b = client(2); Session sb = Session.create(b, 5, null).join()) {
                Election eb = new Election(sb, "elect/svc");
                Thread candidate = new Thread(() -> {
                    try {
                        eb.campaign("b");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                candidate.start();
                // b waits behind a.
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(candidate::isAlive);
                // a's process dies: its client stops, its lease is neither renewed nor revoked.
                a.close();
                candidate.join(30_000);
                assertFalse(candidate.isAlive(), "b never became leader");
                assertEquals("b", Election.leader(observer, "elect/svc").value());
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("b"));
                eb.resign();
                await().atMost(Duration.ofSeconds(10)).until(() -> seen.get(seen.size() - 1).equals("-"));
                assertNull(Election.leader(observer, "elect/svc"));
            }
        }
        List<String> changes = new ArrayList<>();
        for (String l : seen) {
            if (changes.isEmpty() || !changes.get(changes.size() - 1).equals(l)) {
                changes.add(l);
            }
        }
        assertEquals(List.of("-", "a", "a2", "b", "-"), changes);
    }

    /**
     * A waiter whose session expires while it waits (here: its lease revoked) must not come out of lock() believing
     * it holds the lock once its turn comes: its key, which is the lock, is gone. As etcd's ErrSessionExpired.
     */
    @Test
    void aWaiterWhoseSessionExpiredWhileWaitingHoldsNothing() throws Exception {
        try (RaftKv a = client(0); RaftKv b = client(1);
             Session holder = Session.create(a, 10, null).join();
             Session waiter = Session.create(b, 10, null).join()) {
            Lock held = new Lock(holder, "locks/expiring");
            held.lock();
            Lock waiting = new Lock(waiter, "locks/expiring");
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    waiting.lock();
                    outcome.set(new AssertionError("lock() returned: the waiter believes it holds the lock"));
                } catch (Throwable e) {
                    outcome.set(e);
                }
            });
            t.start();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    !b.kv().get(waiting.key()).join().kvs().isEmpty());
            b.lease().revoke(waiter.leaseId()).join();
            held.unlock();
            t.join(15_000);
            assertTrue(outcome.get() instanceof raftkv.client.recipes.SessionExpiredException,
                    "the waiter was told its session expired: " + outcome.get());
        }
    }
}
