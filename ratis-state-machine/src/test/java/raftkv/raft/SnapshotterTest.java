package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.MvccStore;
import raftkv.storage.StoreConfig;
import raftkv.storage.request.PutRequest;

class SnapshotterTest {

    /** Applies entries in random batches (as Ratis does) and records where a member with {@code phase} dumps. */
    private static List<Long> snapshotPoints(long threshold, long phase, long upTo, long seed) {
        Random rnd = new Random(seed);
        List<Long> points = new ArrayList<>();
        long latest = -1;
        for (long applied = 0; applied < upTo; applied += 1 + rnd.nextInt(40)) {
            if (Snapshotter.due(applied, latest, threshold, phase)) {
                points.add(applied);
                latest = applied;
            }
        }
        return points;
    }

    @Test
    void snapshotsComeBetweenHalfAndTwoThresholdsApart() {
        for (long seed = 0; seed < 20; seed++) {
            for (int member = 1; member <= 5; member++) {
                long threshold = 10_000;
                List<Long> points = snapshotPoints(threshold, (member % 3) * threshold / 3, 200_000, seed);
                assertTrue(points.size() >= 15, points.toString());
                for (int i = 1; i < points.size(); i++) {
                    long gap = points.get(i) - points.get(i - 1);
                    assertTrue(gap >= threshold / 2 && gap <= 2 * threshold, "gap " + gap + " in " + points);
                }
            }
        }
    }

    @Test
    void membersOfAThreeNodeClusterNeverDumpAtTheSamePoint() {
        long threshold = 9_000;
        List<List<Long>> byMember = new ArrayList<>();
        for (int member = 1; member <= 3; member++) {
            byMember.add(snapshotPoints(threshold, (member % 3) * threshold / 3, 100_000, 7));
        }
        // Every snapshot point of one member is at least a quarter of the threshold from every point of another.
        for (int a = 0; a < 3; a++) {
            for (int b = a + 1; b < 3; b++) {
                for (long pa : byMember.get(a)) {
                    for (long pb : byMember.get(b)) {
                        assertTrue(Math.abs(pa - pb) > threshold / 4, "members " + (a + 1) + " and " + (b + 1)
                                + " both dumped near " + pa + " / " + pb);
                    }
                }
            }
        }
    }

    @Test
    void aMemberFarBehindItsLastSnapshotDumpsAtOnce() {
        // After a snapshot install, say, the newest snapshot may lie anywhere relative to the member's phase.
        assertTrue(Snapshotter.due(25_000, 4_000, 10_000, 0));
        assertEquals(false, Snapshotter.due(4_400, 4_000, 10_000, 0));
    }

    /**
     * The snapshot file and its MD5 are renamed into place, and the directory holding them is synced, before Ratis
     * is told of the snapshot (and may purge the log behind it): after a power loss the log must never be gone while
     * the snapshot that replaces it is not durably named.
     */
    @Test
    void aSnapshotsDirectoryIsSyncedBeforeRatisHearsOfIt(@TempDir Path dir) throws Exception {
        SimpleStateMachineStorage storage = stateMachineStorage(dir);
        List<String> syncs = new ArrayList<>();
        Snapshotter[] snapshotter = new Snapshotter[1];
        snapshotter[0] = new Snapshotter(storage, 10, 3, synced -> {
            try (Stream<Path> files = Files.list(synced)) {
                syncs.add(files.map(p -> p.getFileName().toString()).sorted().toList()
                        + " durable " + snapshotter[0].durableIndex());
            }
        });
        try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir.resolve("store")))) {
            try (MvccStore.ApplyScope scope = store.beginApply(1, 50)) {
                store.put(PutRequest.of("k".getBytes(), "v".getBytes()));
            }
            snapshotter[0].take(store);
            await().atMost(Duration.ofSeconds(20)).until(() -> snapshotter[0].take(store) == 50);
        } finally {
            snapshotter[0].close();
        }
        assertEquals(List.of("[snapshot.1_50, snapshot.1_50.md5] durable -1"), syncs,
                "one sync of the directory, with both files in place, before the snapshot counted as durable");
    }

    /**
     * A snapshot installed from the leader while this member's own older dump is being published: the index told to
     * Ratis never goes back to the older dump's (Ratis stops the server when it does).
     */
    @Test
    void aSnapshotInstalledDuringADumpIsNeverOvertakenByIt(@TempDir Path dir) throws Exception {
        SimpleStateMachineStorage storage = stateMachineStorage(dir);
        java.util.concurrent.CountDownLatch inSync = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Snapshotter snapshotter = new Snapshotter(storage, 10, 3, synced -> {
            inSync.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir.resolve("store")))) {
            try (MvccStore.ApplyScope scope = store.beginApply(1, 50)) {
                store.put(PutRequest.of("k".getBytes(), "v".getBytes()));
            }
            snapshotter.take(store);
            assertTrue(inSync.await(20, java.util.concurrent.TimeUnit.SECONDS), "the dump reached its sync");
            snapshotter.installed(80); // the leader's snapshot, newer, lands meanwhile
            release.countDown();
            Path published = storage.getSnapshotFile(1, 50).toPath();
            await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(published));
            // and from then on, the index told to Ratis stays the installed one
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> snapshotter.take(store) == 80);
        } finally {
            snapshotter.close();
        }
    }

    /** Ratis' state machine storage in a new Raft storage directory under {@code dir}. */
    private static SimpleStateMachineStorage stateMachineStorage(Path dir) throws java.io.IOException {
        RaftStorage raft = RaftStorage.newBuilder().setDirectory(dir.resolve("raft").toFile())
                .setOption(RaftStorage.StartupOption.FORMAT).setStorageFreeSpaceMin(SizeInBytes.ONE_MB).build();
        raft.initialize();
        SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
        storage.init(raft);
        return storage;
    }
}
