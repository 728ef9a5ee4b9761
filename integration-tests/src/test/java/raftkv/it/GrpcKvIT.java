package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * etcd's KV service through jetcd, against a real cluster: ranges with every option, puts, deletes, nested txns and
 * compaction, with etcd's errors. The JSON API answers from the same store, so a write through one protocol is read
 * through the other.
 */
class GrpcKvIT extends SharedClusterIT {

    private Client client;
    private KV kv;
    /** For what jetcd cannot send: etcd's generated stubs on a plain grpc-java channel to one member. */
    private ManagedChannel channel;

    @BeforeAll
    void connect() {
        client = Client.builder().endpoints(cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint)
                .toArray(String[]::new)).build();
        kv = client.getKVClient();
        channel = NettyChannelBuilder.forTarget(cluster.nodes().get(0).endpoint().replace("http://", ""))
                .usePlaintext().build();
    }

    @AfterAll
    void disconnect() throws InterruptedException {
        client.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static com.google.protobuf.ByteString bytes(String s) {
        return com.google.protobuf.ByteString.copyFromUtf8(s);
    }

    private static ByteSequence b(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String s(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    private static List<String> keys(GetResponse r) {
        return r.getKvs().stream().map(kv -> s(kv.getKey())).toList();
    }

    /** The gRPC status a failed call ended with. */
    private static Status status(Throwable t) {
        while (t != null && !(t instanceof StatusRuntimeException)) {
            t = t.getCause();
        }
        assertTrue(t != null, "no gRPC status in the failure");
        return ((StatusRuntimeException) t).getStatus();
    }

    @Test
    void rangesWithEveryOption() throws Exception {
        for (String k : List.of("c", "a", "d", "b")) {
            kv.put(b("gkv/range/" + k), b("v-" + k)).get();
        }
        ByteSequence prefix = b("gkv/range/");
        GetResponse all = kv.get(prefix, GetOption.builder().isPrefix(true).build()).get();
        assertEquals(List.of("gkv/range/a", "gkv/range/b", "gkv/range/c", "gkv/range/d"), keys(all));
        assertEquals(4, all.getCount());
        assertTrue(all.getHeader().getRevision() > 0 && all.getHeader().getClusterId() != 0
                && all.getHeader().getMemberId() != 0 && all.getHeader().getRaftTerm() > 0, all.getHeader()
                .toString());

        GetResponse limited = kv.get(prefix, GetOption.builder().isPrefix(true).withLimit(2).build()).get();
        assertEquals(2, limited.getKvs().size());
        assertTrue(limited.isMore());
        assertEquals(4, limited.getCount());

        GetResponse desc = kv.get(prefix, GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.DESCEND).build()).get();
        assertEquals(List.of("gkv/range/b", "gkv/range/d", "gkv/range/a", "gkv/range/c"), keys(desc));

        GetResponse keysOnly = kv.get(prefix, GetOption.builder().isPrefix(true).withKeysOnly(true).build()).get();
        assertTrue(keysOnly.getKvs().stream().allMatch(x -> x.getValue().isEmpty()));
        GetResponse countOnly = kv.get(prefix, GetOption.builder().isPrefix(true).withCountOnly(true).build()).get();
        assertEquals(0, countOnly.getKvs().size());
        assertEquals(4, countOnly.getCount());

        long aRev = all.getKvs().get(0).getModRevision();
        kv.put(b("gkv/range/a"), b("v-a2")).get();
        GetResponse past = kv.get(b("gkv/range/a"), GetOption.builder().withRevision(aRev).build()).get();
        assertEquals("v-a", s(past.getKvs().get(0).getValue()));
        GetResponse modAfter = kv.get(prefix, GetOption.builder().isPrefix(true).withMinModRevision(aRev + 1)
                .build()).get();
        // Put in the order c, a, d, b: d and b were written after a's first version, and a again since.
        assertEquals(List.of("gkv/range/a", "gkv/range/b", "gkv/range/d"), keys(modAfter));
        assertEquals("v-a2", s(modAfter.getKvs().get(0).getValue()));

        GetResponse serializable = kv.get(b("gkv/range/a"), GetOption.builder().withSerializable(true).build()).get();
        assertEquals(1, serializable.getKvs().size());

        // The JSON API reads the same store.
        ApiClient.Response json = api.post(cluster.nodes().get(1).endpoint(), "/v3/kv/range",
                "{\"key\":\"" + ApiClient.b64("gkv/range/a") + "\"}");
        assertEquals("v-a2", ApiClient.text(json.body().path("kvs").get(0).path("value")));
    }

    @Test
    void putsAndDeletesReturnWhatTheyReplaced() throws Exception {
        var first = kv.put(b("gkv/put/k"), b("1")).get();
        assertFalse(first.hasPrevKv());
        var second = kv.put(b("gkv/put/k"), b("2"), PutOption.builder().withPrevKV().build()).get();
        assertTrue(second.hasPrevKv());
        assertEquals("1", s(second.getPrevKv().getValue()));
        assertEquals(second.getHeader().getRevision(), kv.get(b("gkv/put/k")).get().getKvs().get(0)
                .getModRevision());

        long lease = client.getLeaseClient().grant(60).get().getID();
        kv.put(b("gkv/put/k"), b("3"), PutOption.builder().withLeaseId(lease).build()).get();
        KeyValue kept = kv.get(b("gkv/put/k")).get().getKvs().get(0);
        assertEquals(lease, kept.getLease());

        kv.put(b("gkv/put/other"), b("x")).get();
        var deleted = kv.delete(b("gkv/put/"), DeleteOption.builder().isPrefix(true).withPrevKV(true).build()).get();
        assertEquals(2, deleted.getDeleted());
        assertEquals(List.of("gkv/put/k", "gkv/put/other"), deleted.getPrevKvs().stream().map(x -> s(x.getKey()))
                .toList());
        assertEquals(0, kv.get(b("gkv/put/k")).get().getCount());
    }

    @Test
    void ignoreValueKeepsTheValueAndChangesTheLease() throws Exception {
        // jetcd 0.8.5 has no ignore_value option: etcd's generated stub, on a channel of its own.
        kv.put(b("gkv/ign/k"), b("kept")).get();
        long lease = client.getLeaseClient().grant(60).get().getID();
        var stub = io.etcd.jetcd.api.KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        stub.put(io.etcd.jetcd.api.PutRequest.newBuilder().setKey(bytes("gkv/ign/k")).setIgnoreValue(true)
                .setLease(lease).build());
        KeyValue now = kv.get(b("gkv/ign/k")).get().getKvs().get(0);
        assertEquals("kept", s(now.getValue()));
        assertEquals(lease, now.getLease());
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> stub.put(
                io.etcd.jetcd.api.PutRequest.newBuilder().setKey(bytes("gkv/ign/none")).setIgnoreValue(true)
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, missing.getStatus().getCode());
        assertEquals("etcdserver: key not found", missing.getStatus().getDescription());
        StatusRuntimeException both = assertThrows(StatusRuntimeException.class, () -> stub.put(
                io.etcd.jetcd.api.PutRequest.newBuilder().setKey(bytes("gkv/ign/k")).setIgnoreValue(true)
                        .setValue(bytes("v")).build()));
        assertEquals("etcdserver: value is provided", both.getStatus().getDescription());
    }

    @Test
    void txnsCompareAndBranchNested() throws Exception {
        kv.put(b("gkv/txn/x"), b("1")).get();
        TxnResponse swapped = kv.txn().If(new Cmp(b("gkv/txn/x"), Cmp.Op.EQUAL, CmpTarget.value(b("1"))))
                .Then(Op.put(b("gkv/txn/x"), b("2"), PutOption.DEFAULT), Op.get(b("gkv/txn/x"), GetOption.DEFAULT))
                .Else(Op.put(b("gkv/txn/failed"), b("yes"), PutOption.DEFAULT)).commit().get();
        assertTrue(swapped.isSucceeded());
        assertEquals("2", s(swapped.getGetResponses().get(0).getKvs().get(0).getValue()));

        TxnResponse failed = kv.txn().If(new Cmp(b("gkv/txn/x"), Cmp.Op.GREATER, CmpTarget.version(5)))
                .Then(Op.put(b("gkv/txn/never"), b("no"), PutOption.DEFAULT))
                .Else(Op.txn(new Cmp[] {new Cmp(b("gkv/txn/x"), Cmp.Op.EQUAL, CmpTarget.version(2))},
                        new Op[] {Op.put(b("gkv/txn/nested"), b("then"), PutOption.DEFAULT)},
                        new Op[] {})).commit().get();
        assertFalse(failed.isSucceeded());
        assertEquals(0, failed.getPutResponses().size());
        assertEquals(1, failed.getTxnResponses().size());
        assertTrue(failed.getTxnResponses().get(0).isSucceeded());
        assertEquals("then", s(kv.get(b("gkv/txn/nested")).get().getKvs().get(0).getValue()));
        assertEquals(0, kv.get(b("gkv/txn/never")).get().getCount());

        ExecutionException duplicate = assertThrows(ExecutionException.class, () -> kv.txn()
                .Then(Op.put(b("gkv/txn/d"), b("1"), PutOption.DEFAULT),
                        Op.put(b("gkv/txn/d"), b("2"), PutOption.DEFAULT)).commit().get());
        assertEquals(Status.Code.INVALID_ARGUMENT, status(duplicate).getCode());
        assertEquals("etcdserver: duplicate key given in txn request", status(duplicate).getDescription());
    }

    @Test
    void compactedAndFutureRevisionsAreOutOfRange() throws Exception {
        kv.put(b("gkv/compact/k"), b("1")).get();
        long old = kv.put(b("gkv/compact/k"), b("2")).get().getHeader().getRevision() - 1;
        long now = kv.put(b("gkv/compact/k"), b("3")).get().getHeader().getRevision();
        client.getKVClient().compact(now).get();
        ExecutionException compacted = assertThrows(ExecutionException.class, () -> kv.get(b("gkv/compact/k"),
                GetOption.builder().withRevision(old).build()).get());
        assertEquals(Status.Code.OUT_OF_RANGE, status(compacted).getCode());
        assertEquals("etcdserver: mvcc: required revision has been compacted", status(compacted).getDescription());
        ExecutionException future = assertThrows(ExecutionException.class, () -> kv.get(b("gkv/compact/k"),
                GetOption.builder().withRevision(now + 1_000_000).build()).get());
        assertEquals(Status.Code.OUT_OF_RANGE, status(future).getCode());
        assertEquals("etcdserver: mvcc: required revision is a future revision", status(future).getDescription());
    }

    @Test
    void aRequestOverTheLimitIsRefusedAndChangesNothing() throws Exception {
        byte[] big = new byte[1_600_000]; // over the default 1.5 MiB limit, under gRPC's own (limit + 512 KiB)
        ExecutionException tooLarge = assertThrows(ExecutionException.class, () -> kv.put(b("gkv/big/k"),
                ByteSequence.from(big)).get());
        assertEquals(Status.Code.INVALID_ARGUMENT, status(tooLarge).getCode());
        assertTrue(status(tooLarge).getDescription().startsWith("etcdserver: request is too large"),
                status(tooLarge).getDescription());
        byte[] huge = new byte[3 << 20]; // over gRPC's own limit too
        ExecutionException exhausted = assertThrows(ExecutionException.class, () -> kv.put(b("gkv/big/k"),
                ByteSequence.from(huge)).get());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, status(exhausted).getCode());
        assertEquals(0, kv.get(b("gkv/big/k")).get().getCount());
    }

    @Test
    void malformedRequestsGetClearErrors() {
        var stub = io.etcd.jetcd.api.KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        StatusRuntimeException empty = assertThrows(StatusRuntimeException.class, () -> stub.range(
                io.etcd.jetcd.api.RangeRequest.newBuilder().build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
        assertEquals("etcdserver: key is not provided", empty.getStatus().getDescription());
        StatusRuntimeException sort = assertThrows(StatusRuntimeException.class, () -> stub.range(
                io.etcd.jetcd.api.RangeRequest.newBuilder().setKey(bytes("k")).setSortTargetValue(42).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, sort.getStatus().getCode());
        assertTrue(sort.getStatus().getDescription().contains("sort_target"), sort.getStatus().getDescription());
    }
}
