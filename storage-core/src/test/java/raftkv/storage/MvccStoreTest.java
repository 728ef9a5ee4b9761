package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.storage.TestKeys.b;
import static raftkv.storage.TestKeys.s;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RangeResponse;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.TxnRequest;
import raftkv.storage.request.TxnResponse;

class MvccStoreTest {

    @TempDir
    Path dir;
    MvccStore store;

    @BeforeEach
    void open() {
        store = MvccStore.open(StoreConfig.defaults(dir));
    }

    @AfterEach
    void close() {
        store.close();
    }

    private KeyValue get(String key) {
        List<KeyValue> kvs = store.range(RangeRequest.of(b(key)).build()).kvs();
        return kvs.isEmpty() ? null : kvs.get(0);
    }

    private long put(String key, String value) {
        return store.put(PutRequest.of(b(key), b(value))).revision();
    }

    @Test
    void aNewStoreIsAtRevisionOneAndEachWriteBumpsItByOne() {
        assertEquals(1, store.revision());
        assertEquals(2, put("a", "1"));
        assertEquals(3, put("a", "2"));
        assertEquals(3, store.deleteRange(DeleteRangeRequest.of(b("missing"))).revision(),
                "deleting nothing is not a write");
        assertEquals(4, store.deleteRange(DeleteRangeRequest.of(b("a"))).revision());
        assertEquals(4, store.revision());
    }

    @Test
    void versionsAndCreateRevisionsFollowEtcd() {
        put("k", "v1");
        put("k", "v2");
        KeyValue kv = get("k");
        assertEquals(2, kv.createRevision());
        assertEquals(3, kv.modRevision());
        assertEquals(2, kv.version());
        store.deleteRange(DeleteRangeRequest.of(b("k")));
        assertNull(get("k"));
        put("k", "v3");
        kv = get("k");
        assertEquals(5, kv.createRevision());
        assertEquals(1, kv.version(), "a delete restarts the version");
    }

    @Test
    void historicalReadsSeeOldVersions() {
        put("k", "v1");
        put("k", "v2");
        RangeResponse old = store.range(RangeRequest.of(b("k")).revision(2).build());
        assertEquals("v1", s(old.kvs().get(0).value()));
        assertEquals(3, old.revision(), "the header carries the current revision");
        StorageException e = assertThrows(StorageException.class,
                () -> store.range(RangeRequest.of(b("k")).revision(4).build()));
        assertEquals(ErrorCode.FUTURE_REVISION, e.code());
    }

    @Test
    void putReturnsThePreviousVersionWhenAsked() {
        put("k", "v1");
        KeyValue prev = store.put(PutRequest.of(b("k"), b("v2")).withPrevKv()).prevKv();
        assertEquals("v1", s(prev.value()));
        assertNull(store.put(PutRequest.of(b("new"), b("x")).withPrevKv()).prevKv());
    }

    @Test
    void ignoreValueAndIgnoreLeaseNeedAnExistingKey() {
        StorageException e = assertThrows(StorageException.class,
                () -> store.put(new PutRequest(b("k"), null, 0, false, true, false)));
        assertEquals(ErrorCode.KEY_NOT_FOUND, e.code());
        store.grant(7, 60);
        store.put(PutRequest.of(b("k"), b("v")).withLease(7));
        store.put(new PutRequest(b("k"), null, 0, false, true, true));
        KeyValue kv = get("k");
        assertEquals("v", s(kv.value()));
        assertEquals(7, kv.lease());
        assertEquals(ErrorCode.VALUE_PROVIDED, assertThrows(StorageException.class,
                () -> store.put(new PutRequest(b("k"), b("x"), 0, false, true, false))).code());
    }

    @Test
    void rangeHonoursLimitSortAndFilters() {
        put("a", "3");
        put("b", "1");
        put("c", "2");
        put("b", "1b");
        RangeResponse all = store.range(RangeRequest.of(b("a")).rangeEnd(b("z")).limit(2).build());
        assertEquals(2, all.kvs().size());
        assertTrue(all.more());
        assertEquals(3, all.count());
        RangeResponse byValue = store.range(RangeRequest.of(b("a")).rangeEnd(new byte[] {0})
                .sort(RangeRequest.SortTarget.VALUE, RangeRequest.SortOrder.DESCEND).build());
        assertEquals(List.of("3", "2", "1b"), byValue.kvs().stream().map(kv -> s(kv.value())).toList());
        RangeResponse recent = store.range(RangeRequest.of(b("a")).rangeEnd(b("z")).modRevisionBetween(4, 0)
                .build());
        assertEquals(List.of("b", "c"), recent.kvs().stream().map(kv -> s(kv.key())).toList());
        RangeResponse count = store.range(RangeRequest.of(b("a")).rangeEnd(b("z")).countOnly(true).build());
        assertEquals(3, count.count());
        assertTrue(count.kvs().isEmpty());
        RangeResponse keys = store.range(RangeRequest.of(b("a")).keysOnly(true).build());
        assertEquals(0, keys.kvs().get(0).value().length);
    }

    @Test
    void txnRunsOneBranchAtOneRevision() {
        put("k", "v1");
        TxnRequest t = new TxnRequest(List.of(Compare.value(b("k"), Compare.Result.EQUAL, b("v1"))),
                List.of(PutRequest.of(b("k"), b("v2")), PutRequest.of(b("other"), b("x")),
                        RangeRequest.of(b("k")).build()),
                List.of(PutRequest.of(b("failed"), b("y"))));
        TxnResponse r = store.txn(t);
        assertTrue(r.succeeded());
        assertEquals(3, r.revision());
        assertEquals(3, get("k").modRevision());
        assertEquals(3, get("other").modRevision());
        RangeResponse inner = (RangeResponse) r.responses().get(2);
        assertEquals("v2", s(inner.kvs().get(0).value()), "a range in a txn sees the txn's own writes");
        assertFalse(store.txn(t).succeeded());
        assertEquals(4, get("failed").modRevision());
    }

    @Test
    void txnRefusesDuplicatesAndTooManyOpsWithoutWriting() {
        TxnRequest dup = new TxnRequest(List.of(), List.of(PutRequest.of(b("k"), b("1")),
                PutRequest.of(b("k"), b("2"))), List.of());
        assertEquals(ErrorCode.DUPLICATE_KEY, assertThrows(StorageException.class, () -> store.txn(dup)).code());
        TxnRequest putInDelete = new TxnRequest(List.of(), List.of(
                new DeleteRangeRequest(b("a"), b("z"), false), PutRequest.of(b("k"), b("2"))), List.of());
        assertEquals(ErrorCode.DUPLICATE_KEY,
                assertThrows(StorageException.class, () -> store.txn(putInDelete)).code());
        List<RequestOp> many = new java.util.ArrayList<>();
        for (int i = 0; i < 129; i++) {
            many.add(PutRequest.of(b("k" + i), b("v")));
        }
        assertEquals(ErrorCode.TOO_MANY_OPS, assertThrows(StorageException.class,
                () -> store.txn(new TxnRequest(List.of(), many, List.of()))).code());
        TxnRequest missingLease = new TxnRequest(List.of(), List.of(PutRequest.of(b("a"), b("1")),
                PutRequest.of(b("b"), b("1")).withLease(99)), List.of());
        assertEquals(ErrorCode.LEASE_NOT_FOUND,
                assertThrows(StorageException.class, () -> store.txn(missingLease)).code());
        assertEquals(1, store.revision(), "nothing was written");
        assertNull(get("a"));
    }

    @Test
    void revokingALeaseDeletesItsKeysInOneRevision() {
        store.grant(5, 10);
        store.put(PutRequest.of(b("a"), b("1")).withLease(5));
        store.put(PutRequest.of(b("b"), b("1")).withLease(5));
        store.put(PutRequest.of(b("c"), b("1")));
        assertEquals(2, store.lease(5).keyCount());
        assertEquals(5, store.revoke(5));
        assertNull(get("a"));
        assertNull(get("b"));
        assertEquals(List.of(), store.leaseIds());
        assertEquals(ErrorCode.LEASE_NOT_FOUND, assertThrows(StorageException.class, () -> store.revoke(5)).code());
        assertEquals(ErrorCode.LEASE_NOT_FOUND, assertThrows(StorageException.class,
                () -> store.put(PutRequest.of(b("x"), b("1")).withLease(5))).code());
    }

    @Test
    void leaseExpiryFollowsTheClockTheCallerGives() {
        store.grant(1, 10);
        store.grant(2, 20);
        assertEquals(List.of(), store.leaseClocks().expired(Long.MAX_VALUE - 1), "no clock until promoted");
        store.leaseClocks().promote(1_000);
        assertEquals(List.of(), store.leaseClocks().expired(10_999));
        assertEquals(List.of(1L), store.leaseClocks().expired(11_000));
        store.leaseClocks().renew(1, 5_000);
        assertEquals(List.of(1L, 2L), store.leaseClocks().expired(21_000));
        store.leaseClocks().demote();
        assertEquals(List.of(), store.leaseClocks().expired(100_000));
    }

    @Test
    void reopenPreservesEverything() {
        store.grant(9, 30);
        put("a", "1");
        store.put(PutRequest.of(b("b"), b("2")).withLease(9));
        put("a", "3");
        try (MvccStore.ApplyScope scope = store.beginApply(2, 17)) {
            put("c", "4");
            store.alarm(new Alarm(3, Alarm.Type.NOSPACE), true);
        }
        store.compact(3).join();
        KvHash hash = store.hash(0);
        store.close();
        store = MvccStore.open(StoreConfig.defaults(dir));
        assertEquals(5, store.revision());
        assertEquals(3, store.compactRevision());
        assertEquals(new AppliedIndex(2, 17), store.appliedIndex());
        assertEquals(List.of(new Alarm(3, Alarm.Type.NOSPACE)), store.alarms());
        assertEquals(List.of(9L), store.leaseIds());
        assertEquals(1, store.lease(9).keyCount());
        assertEquals(hash, store.hash(0));
        assertEquals("3", s(get("a").value()));
        assertEquals(ErrorCode.COMPACTED, assertThrows(StorageException.class,
                () -> store.range(RangeRequest.of(b("a")).revision(2).build())).code());
    }

    @Test
    void compactionRefusesOldReadsKeepsLiveKeysAndShrinksTheIndex() throws Exception {
        for (int i = 0; i < 100; i++) {
            put("key" + (i % 10), "v" + i);
        }
        for (int i = 0; i < 5; i++) {
            store.deleteRange(DeleteRangeRequest.of(b("key" + i)));
        }
        int keysBefore = store.stats().keys();
        long before = store.revision();
        store.compact(before).get(10, TimeUnit.SECONDS);
        assertEquals(ErrorCode.COMPACTED, assertThrows(StorageException.class,
                () -> store.range(RangeRequest.of(b("key9")).revision(before - 1).build())).code());
        for (int i = 5; i < 10; i++) {
            assertEquals("v" + (90 + i), s(get("key" + i).value()));
        }
        assertEquals(10, keysBefore);
        assertEquals(5, store.stats().keys(), "deleted keys left the index");
        assertEquals(ErrorCode.COMPACTED, assertThrows(StorageException.class, () -> store.compact(before)).code());
        assertEquals(ErrorCode.FUTURE_REVISION,
                assertThrows(StorageException.class, () -> store.compact(before + 1)).code());
    }

    @Test
    void changesReplayHistoryWithPreviousVersions() {
        put("a", "1");
        put("b", "1");
        put("a", "2");
        store.deleteRange(DeleteRangeRequest.of(b("a")));
        ChangeBatch batch = store.changes(2, KeyRange.single(b("a")), 100);
        assertEquals(3, batch.events().size());
        Event put2 = batch.events().get(1);
        assertEquals(Event.Type.PUT, put2.type());
        assertEquals("1", s(put2.prevKv().value()));
        Event del = batch.events().get(2);
        assertEquals(Event.Type.DELETE, del.type());
        assertEquals(5, del.revision());
        assertArrayEquals(b("2"), del.prevKv().value());
        assertEquals(6, batch.nextRevision());
    }

    @Test
    void aClosedStoreRefusesWork() {
        store.close();
        assertEquals(ErrorCode.STORE_CLOSED, assertThrows(StorageException.class, () -> put("a", "1")).code());
    }
}
