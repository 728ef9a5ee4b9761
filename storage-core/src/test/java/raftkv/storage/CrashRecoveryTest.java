package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.request.RangeRequest;

/**
 * A child JVM writes continuously with group commit and is killed with SIGKILL at a random moment, again and again
 * on the same directory. After each kill the reopened store must be exactly the reference state at the applied
 * index it recorded: nothing torn, nothing half-applied, and the next child continues from there. A kill that lands
 * inside a commit must be detected as such on open ({@link ErrorCode#TORN_STORE}); the store is then rebuilt from
 * the start of the workload, as a member without a snapshot rebuilds from the start of its Raft log.
 */
class CrashRecoveryTest {

    private static final int KILLS = Integer.getInteger("crash.kills", 12);
    private static final RangeRequest ALL = RangeRequest.of(new byte[] {0}).rangeEnd(new byte[] {0}).build();

    @TempDir
    Path dir;

    @Test
    void aStoreKilledAtAnyMomentReopensAtExactlyItsLastCommit() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        Random rnd = new Random(seed);
        ReferenceModel model = new ReferenceModel();
        long modelIndex = 0;
        long lastRecovered = 0;
        int tornStores = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            int commitOps = 1 + rnd.nextInt(400);
            Process child = new ProcessBuilder(javaBin(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    CrashWriter.class.getName(), dir.toString(), Long.toString(seed), Integer.toString(commitOps))
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            long target = lastRecovered + 100 + rnd.nextInt(2_000);
            String line;
            long reached = 0;
            StringBuilder childOutput = new StringBuilder();
            while ((line = out.readLine()) != null) {
                childOutput.append(line).append('\n');
                if (line.startsWith("applied ")) {
                    reached = Long.parseLong(line.substring(8));
                    if (reached >= target) {
                        break;
                    }
                }
            }
            Thread.sleep(rnd.nextInt(30)); // land the kill anywhere, mid-commit included
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertTrue(reached > 0, "seed " + seed + ": the writer never got going:\n" + childOutput);

            StoreConfig config = StoreConfig.defaults(dir);
            try {
                MvccStore.open(config).close();
            } catch (StorageException e) {
                assertEquals(ErrorCode.TORN_STORE, e.code(), "seed " + seed + ", kill " + kill + ": " + e);
                // Killed inside a commit: the file cannot be trusted, so it is rebuilt from the log's start, as a
                // member without a snapshot does. The next child replays the workload from entry 1.
                tornStores++;
                MvccStore.discardTorn(config);
                model = new ReferenceModel();
                modelIndex = 0;
                lastRecovered = 0;
            }
            try (MvccStore store = MvccStore.open(config)) {
                long applied = store.appliedIndex().index();
                assertTrue(applied >= lastRecovered, "seed " + seed + ": applied index went backwards");
                for (; modelIndex < applied; ) {
                    modelIndex++;
                    CrashWorkload.apply(CrashWorkload.on(model), seed, modelIndex);
                }
                String at = "seed " + seed + ", kill " + kill + ", applied index " + applied;
                assertEquals(model.revision(), store.revision(), at + ": revision");
                assertEquals(model.compactRevision(), store.compactRevision(), at + ": compaction revision");
                assertEquals(model.range(ALL), store.range(ALL), at + ": key space");
                assertEquals(List.copyOf(model.leases().keySet()), store.leaseIds(), at + ": leases");
                for (long r = Math.max(model.compactRevision(), 1); r <= model.revision(); r += 1 + rnd.nextInt(50)) {
                    RangeRequest historical = RangeRequest.of(new byte[] {0}).rangeEnd(new byte[] {0}).revision(r)
                            .build();
                    assertEquals(model.range(historical), store.range(historical), at + ": history at " + r);
                }
                lastRecovered = applied;
            }
        }
        System.out.printf("seed %d: %d kills, %d of them inside a commit%n", seed, KILLS, tornStores);
        assertTrue(tornStores < KILLS, "seed " + seed + ": every kill found a torn store");
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
