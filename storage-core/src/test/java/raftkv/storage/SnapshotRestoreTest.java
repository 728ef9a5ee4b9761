package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.storage.TestKeys.b;
import static raftkv.storage.TestKeys.s;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RangeResponse;

class SnapshotRestoreTest {

    @TempDir
    Path dir;

    private static final RangeRequest ALL = RangeRequest.of(new byte[] {0}).rangeEnd(new byte[] {0}).build();

    private MvccStore open(String name) {
        return MvccStore.open(StoreConfig.defaults(dir.resolve(name)));
    }

    /** Some history: puts, overwrites, deletes, leases, a compaction, an applied index. */
    private static void populate(MvccStore store, int n, long seed) {
        Random rnd = new Random(seed);
        store.grant(1, 60);
        store.grant(2, 90);
        for (int i = 0; i < n; i++) {
            try (MvccStore.ApplyScope scope = store.beginApply(3, i + 1)) {
                String key = "key" + rnd.nextInt(n / 4 + 1);
                if (rnd.nextInt(6) == 0) {
                    store.deleteRange(DeleteRangeRequest.of(b(key)));
                } else {
                    store.put(PutRequest.of(b(key), b("value-" + i)).withLease(rnd.nextInt(5) == 0 ? 1 : 0));
                }
            }
        }
        store.compact(store.revision() / 2).join();
    }

    private static byte[] snapshotBytes(MvccStore store) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.snapshot(out);
        return out.toByteArray();
    }

    @Test
    void aRestoredSnapshotHasTheSameStateAndHash() {
        try (MvccStore source = open("source"); MvccStore target = open("target")) {
            populate(source, 2_000, 1);
            source.alarm(new Alarm(2, Alarm.Type.NOSPACE), true);
            target.put(PutRequest.of(b("replaced"), b("soon")));
            target.alarm(new Alarm(5, Alarm.Type.CORRUPT), true);
            StoreSnapshot.Info info = target.restore(new ByteArrayInputStream(snapshotBytes(source)));
            assertEquals(source.revision(), info.revision());
            assertEquals(source.hash(0), target.hash(0));
            assertEquals(source.revision(), target.revision());
            assertEquals(source.compactRevision(), target.compactRevision());
            assertEquals(source.appliedIndex(), target.appliedIndex());
            assertEquals(source.leaseIds(), target.leaseIds());
            assertEquals(List.of(new Alarm(2, Alarm.Type.NOSPACE)), target.alarms(), "alarms are replicated state");
            assertEquals(source.lease(1).keyCount(), target.lease(1).keyCount());
            assertEquals(source.range(ALL), target.range(ALL));
            long old = source.compactRevision() + 3;
            RangeRequest historical = RangeRequest.of(new byte[] {0}).rangeEnd(new byte[] {0}).revision(old).build();
            assertEquals(source.range(historical), target.range(historical), "history survives too");
            assertTrue(target.range(RangeRequest.of(b("replaced")).build()).kvs().isEmpty());
        }
        try (MvccStore reopened = open("target"); MvccStore source = open("source")) {
            assertEquals(source.hash(0), reopened.hash(0), "the restored state is durable");
        }
    }

    @Test
    void aCorruptOrTruncatedSnapshotIsRefusedAndTheOldStateSurvives() {
        byte[] good;
        try (MvccStore source = open("source")) {
            populate(source, 300, 2);
            good = snapshotBytes(source);
        }
        try (MvccStore target = open("target")) {
            populate(target, 100, 3);
            KvHash before = target.hash(0);
            RangeResponse contents = target.range(ALL);
            Random rnd = new Random(4);
            for (int i = 0; i < 60; i++) {
                byte[] bad = good.clone();
                int at = i < 20 ? i : (i < 40 ? good.length - 1 - (i - 20) : rnd.nextInt(good.length));
                bad[at] ^= (byte) (1 + rnd.nextInt(255));
                assertRefused(target, bad, "byte " + at + " flipped");
            }
            for (int len : new int[] {0, 1, 7, 8, 100, good.length / 2, good.length - 9, good.length - 1}) {
                assertRefused(target, Arrays.copyOf(good, len), "truncated to " + len);
            }
            byte[] longer = Arrays.copyOf(good, good.length + 1);
            assertRefused(target, longer, "a trailing byte");
            assertEquals(before, target.hash(0));
            assertEquals(contents, target.range(ALL));
            target.put(PutRequest.of(b("still"), b("writable")));
        }
        try (MvccStore reopened = open("target")) {
            assertEquals("writable", s(reopened.range(RangeRequest.of(b("still")).build()).kvs().get(0).value()));
        }
    }

    private static void assertRefused(MvccStore target, byte[] snapshot, String what) {
        StorageException e = assertThrows(StorageException.class,
                () -> target.restore(new ByteArrayInputStream(snapshot)), what);
        assertEquals(ErrorCode.CORRUPT_SNAPSHOT, e.code(), what);
    }

    @Test
    void writesGoOnWhileASnapshotIsWrittenAndDoNotLeakIntoIt() {
        try (MvccStore source = open("source"); MvccStore target = open("target")) {
            populate(source, 500, 5);
            KvHash atSnapshot = source.hash(0);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (StoreSnapshot snap = source.openSnapshot()) {
                for (int i = 0; i < 200; i++) {
                    source.put(PutRequest.of(b("later" + i), b("x")));
                }
                source.deleteRange(new DeleteRangeRequest(b("key"), KeyRange.prefixEnd(b("key")), false));
                CompletableFuture.runAsync(() -> snap.writeTo(out)).join(); // any thread may write it
            }
            target.restore(new ByteArrayInputStream(out.toByteArray()));
            assertEquals(atSnapshot, target.hash(0));
            assertEquals(atSnapshot.revision(), target.revision());
        }
    }

    @Test
    void aSnapshotsSizeIsTheLengthOfItsStreamWhileWritesGoOn() {
        try (MvccStore source = open("source")) {
            populate(source, 300, 9);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (StoreSnapshot snap = source.openSnapshot()) {
                long size = snap.size();
                for (int i = 0; i < 50; i++) {
                    source.put(PutRequest.of(b("later" + i), b("x")));
                }
                snap.writeTo(out);
                assertEquals(size, out.size());
            }
        }
    }

    @Test
    void backendCompactionWaitsForAnOpenSnapshot() throws Exception {
        try (MvccStore source = open("source"); MvccStore target = open("target")) {
            for (int i = 0; i < 100; i++) {
                source.put(PutRequest.of(b("k" + (i % 5)), b("v" + i)));
            }
            long oldRev = 10;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CompletableFuture<Void> compaction;
            try (StoreSnapshot snap = source.openSnapshot()) {
                compaction = source.compact(source.revision());
                assertThrows(TimeoutException.class, () -> compaction.get(300, TimeUnit.MILLISECONDS));
                snap.writeTo(out);
            }
            compaction.get(10, TimeUnit.SECONDS);
            target.restore(new ByteArrayInputStream(out.toByteArray()));
            List<KeyValue> old = target.range(RangeRequest.of(b("k0")).revision(oldRev).build()).kvs();
            assertFalse(old.isEmpty(), "the snapshot kept the history it was taken with");
        }
    }
}
