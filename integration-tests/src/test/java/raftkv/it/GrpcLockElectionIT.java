package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.options.GetOption;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import raftkv.client.RaftKv;
import raftkv.client.recipes.Lock;
import raftkv.client.recipes.Session;

/**
 * etcd's v3lock and v3election gRPC services on a real 3-process cluster, through jetcd as etcd's Java users call
 * them: waiting and handing over, a lease's end releasing a holder or failing a waiter, a client cancelling its
 * wait, the election's calls and its observers, and a jetcd lock excluding the Java client's recipe lock.
 */
class GrpcLockElectionIT extends SharedClusterIT {

    private static final Duration WAITING = Duration.ofMillis(600);
    private static final Duration SOON = Duration.ofSeconds(10);

    /** One jetcd client per node: contenders talk to different members, as separate processes would. */
    private List<Client> clients;

    @BeforeAll
    void connect() {
        clients = cluster.nodes().stream().map(n -> Client.builder().endpoints(n.endpoint()).build()).toList();
    }

    @AfterAll
    void disconnect() {
        clients.forEach(Client::close);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Leases come from the JSON API: this test is about the lock and election services only. */
    private long lease(Client c) throws Exception {
        var r = api.post(cluster.nodes().get(clients.indexOf(c)).endpoint(), "/v3/lease/grant",
                ApiClient.obj().put("TTL", 30));
        assertTrue(r.ok(), r.body().toString());
        return r.body().path("ID").asLong();
    }

    private void revoke(long lease) throws Exception {
        var r = api.post(cluster.nodes().get(0).endpoint(), "/v3/lease/revoke", ApiClient.obj().put("ID", lease));
        assertTrue(r.ok(), r.body().toString());
    }

    private long keysUnder(String prefix) throws Exception {
        return clients.get(0).getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).build())
                .get(10, TimeUnit.SECONDS).getCount();
    }

    /** Still pending after a while: the call is waiting, not failed or answered. */
    private static void stillWaiting(Future<?> f) {
        await().during(WAITING).atMost(WAITING.multipliedBy(3)).until(() -> !f.isDone());
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void aSecondLockWaitsUntilTheFirstIsUnlocked() throws Exception {
        Client a = clients.get(0);
        Client b = clients.get(1);
        long la = lease(a);
        long lb = lease(b);
        String first = text(a.getLockClient().lock(bytes("it/lock/handover"), la).get(10, TimeUnit.SECONDS).getKey());
        assertEquals("it/lock/handover/" + Long.toHexString(la), first, "etcd's layout: <name>/<lease in hex>");

        var second = b.getLockClient().lock(bytes("it/lock/handover"), lb);
        stillWaiting(second);
        a.getLockClient().unlock(bytes(first)).get(10, TimeUnit.SECONDS);
        assertEquals("it/lock/handover/" + Long.toHexString(lb), text(second.get(10, TimeUnit.SECONDS).getKey()));
        b.getLockClient().unlock(second.get().getKey()).get(10, TimeUnit.SECONDS);
        assertEquals(0, keysUnder("it/lock/handover/"));
    }

    @Test
    void revokingTheHoldersLeaseHandsTheLockToTheWaiter() throws Exception {
        Client a = clients.get(1);
        Client b = clients.get(2);
        long la = lease(a);
        a.getLockClient().lock(bytes("it/lock/revoked"), la).get(10, TimeUnit.SECONDS);
        var waiter = b.getLockClient().lock(bytes("it/lock/revoked"), lease(b));
        stillWaiting(waiter);
        revoke(la);
        waiter.get(10, TimeUnit.SECONDS);
        assertEquals(1, keysUnder("it/lock/revoked/"), "only the new holder's key is left");
    }

    @Test
    void aWaiterWhoseLeaseEndsFailsAsEtcdsDoes() throws Exception {
        Client a = clients.get(2);
        Client b = clients.get(0);
        a.getLockClient().lock(bytes("it/lock/lost"), lease(a)).get(10, TimeUnit.SECONDS);
        long lb = lease(b);
        var waiter = b.getLockClient().lock(bytes("it/lock/lost"), lb);
        stillWaiting(waiter);
        revoke(lb);
        Throwable t = failure(waiter);
        assertTrue(t.getMessage().contains("mutex: session is expired"), t.toString());
        assertEquals(1, keysUnder("it/lock/lost/"));
    }

    /** Cancelled through grpc-java's stub, whose cancel reaches the server (jetcd's futures do not cancel calls). */
    @Test
    void aCancelledWaiterLeavesNoKeyAndNoWatchBehind() throws Exception {
        Client a = clients.get(0);
        a.getLockClient().lock(bytes("it/lock/cancel"), lease(a)).get(10, TimeUnit.SECONDS);
        TestCluster.NodeProcess node = cluster.nodes().get(1);
        double watchersBefore = api.metric(node.endpoint(), "raftkv_watch_watchers");
        URI uri = URI.create(node.endpoint());
        ManagedChannel channel = NettyChannelBuilder.forAddress(uri.getHost(), uri.getPort()).usePlaintext().build();
        try {
            var waiter = io.etcd.jetcd.api.lock.LockGrpc.newFutureStub(channel).lock(
                    io.etcd.jetcd.api.lock.LockRequest.newBuilder()
                            .setName(com.google.protobuf.ByteString.copyFromUtf8("it/lock/cancel"))
                            .setLease(lease(clients.get(1))).build());
            await().atMost(SOON).until(() -> keysUnder("it/lock/cancel/") == 2);
            await().atMost(SOON).until(() -> api.metric(node.endpoint(), "raftkv_watch_watchers") > watchersBefore);
            stillWaiting(waiter);
            waiter.cancel(true);
            await().atMost(SOON).until(() -> keysUnder("it/lock/cancel/") == 1);
            await().atMost(SOON).until(() -> api.metric(node.endpoint(), "raftkv_watch_watchers") <= watchersBefore);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void campaignLeaderProclaimResignAndObserveInOrder() throws Exception {
        Election e1 = clients.get(0).getElectionClient();
        Election e2 = clients.get(1).getElectionClient();
        Election watcher = clients.get(2).getElectionClient();
        ByteSequence name = bytes("it/election/main");
        List<String> seen = new CopyOnWriteArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        watcher.observe(name, new Election.Listener() {
            @Override
            public void onNext(LeaderResponse r) {
                seen.add(text(r.getKv().getValue()));
            }

            @Override
            public void onError(Throwable t) {
                errors.add(t);
            }

            @Override
            public void onCompleted() {
                errors.add(new IllegalStateException("observe ended"));
            }
        });
        assertInstanceOf(NoLeaderException.class, failure(e1.leader(name)));

        long l1 = lease(clients.get(0));
        LeaderKey k1 = e1.campaign(name, l1, bytes("a")).get(10, TimeUnit.SECONDS).getLeader();
        assertEquals("it/election/main/" + Long.toHexString(l1), text(k1.getKey()));
        assertEquals(l1, k1.getLease());
        var second = e2.campaign(name, lease(clients.get(1)), bytes("b"));
        stillWaiting(second);
        assertEquals("a", text(e2.leader(name).get(10, TimeUnit.SECONDS).getKv().getValue()));

        e1.proclaim(k1, bytes("a2")).get(10, TimeUnit.SECONDS);
        assertEquals("a2", text(e2.leader(name).get(10, TimeUnit.SECONDS).getKv().getValue()));
        e1.resign(k1).get(10, TimeUnit.SECONDS);
        LeaderKey k2 = second.get(10, TimeUnit.SECONDS).getLeader();
        assertEquals("b", text(e1.leader(name).get(10, TimeUnit.SECONDS).getKv().getValue()));
        assertInstanceOf(NotLeaderException.class, failure(e1.proclaim(k1, bytes("stale"))),
                "a resigned leader proclaims nothing");

        await().atMost(SOON).until(() -> seen.size() >= 3);
        assertEquals(List.of("a", "a2", "b"), seen, "every leader and value, in order");
        assertTrue(errors.isEmpty(), errors.toString());

        e2.resign(k2).get(10, TimeUnit.SECONDS);
        assertInstanceOf(NoLeaderException.class, failure(e2.leader(name)));
        e1.resign(k1).get(10, TimeUnit.SECONDS); // a leadership already gone resigns quietly, as etcd's
        assertEquals(List.of("a", "a2", "b"), seen, "no leader is not a change observers are told");
    }

    @Test
    void jetcdsLockAndTheJavaRecipesExcludeEachOther() throws Exception {
        Client j = clients.get(0);
        String name = "it/lock/mixed";
        try (RaftKv kv = RaftKv.builder().endpoints(List.of(cluster.nodes().get(1).endpoint()))
                .timeout(Duration.ofSeconds(15)).build();
             Session session = Session.create(kv, 30, null).join()) {
            Lock recipe = new Lock(session, name);
            assertEquals(name + "/" + Long.toHexString(session.leaseId()), recipe.key(), "one layout");

            ByteSequence held = j.getLockClient().lock(bytes(name), lease(j)).get(10, TimeUnit.SECONDS).getKey();
            CompletableFuture<Void> recipeHolds = CompletableFuture.runAsync(() -> {
                try {
                    recipe.lock();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            stillWaiting(recipeHolds);
            j.getLockClient().unlock(held).get(10, TimeUnit.SECONDS);
            recipeHolds.get(10, TimeUnit.SECONDS);

            var jetcdWaits = j.getLockClient().lock(bytes(name), lease(j));
            stillWaiting(jetcdWaits);
            recipe.unlock();
            j.getLockClient().unlock(jetcdWaits.get(10, TimeUnit.SECONDS).getKey()).get(10, TimeUnit.SECONDS);
        }
        assertEquals(0, keysUnder(name + "/"));
    }

    /** jetcd passes some failures on as grpc-java's exceptions, some as its own, with the code copied. */
    private static void refusedNaming(String field, Throwable t) {
        String code = t instanceof io.etcd.jetcd.common.exception.EtcdException e ? e.getErrorCode().name()
                : io.grpc.Status.fromThrowable(t).getCode().name();
        assertEquals("INVALID_ARGUMENT", code, t.toString());
        assertTrue(t.getMessage().contains("\"" + field + "\""), t.getMessage());
    }

    @Test
    void aRequestWithoutANameIsRefusedNamingTheField() throws Exception {
        Client c = clients.get(0);
        refusedNaming("name", failure(c.getLockClient().lock(ByteSequence.EMPTY, lease(c))));
        refusedNaming("name", failure(c.getElectionClient().leader(ByteSequence.EMPTY)));
        refusedNaming("name", failure(c.getElectionClient().campaign(ByteSequence.EMPTY, lease(c), bytes("v"))));
        refusedNaming("key", failure(c.getLockClient().unlock(ByteSequence.EMPTY)));
    }
}
