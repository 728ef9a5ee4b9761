package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.storage.TestKeys.b;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;

/**
 * A store whose process died in the middle of a commit is refused, untouched, until it is discarded; the crash
 * itself is exercised by {@link CrashRecoveryTest}, this pins down what happens after it.
 */
class TornStoreTest {

    @TempDir
    Path dir;

    private static final RangeRequest ALL = RangeRequest.of(new byte[] {0}).rangeEnd(new byte[] {0}).build();

    private Path liveGeneration() throws Exception {
        return dir.resolve(Files.readString(dir.resolve("CURRENT")).trim());
    }

    @Test
    void aStoreInterruptedInACommitIsRefusedUntilDiscarded() throws Exception {
        StoreConfig config = StoreConfig.defaults(dir);
        try (MvccStore store = MvccStore.open(config)) {
            for (int i = 0; i < 100; i++) {
                store.put(PutRequest.of(b("k" + i), b("v" + i)));
            }
        }
        Path generation = liveGeneration();
        // What a process killed between the start and the end of a commit leaves behind.
        Files.createFile(generation.resolve("COMMITTING"));
        long sizeBefore = Files.size(generation.resolve("kv.db"));

        StorageException refused = assertThrows(StorageException.class, () -> MvccStore.open(config));
        assertEquals(ErrorCode.TORN_STORE, refused.code());
        assertTrue(refused.getMessage().contains(generation.toString()), refused.getMessage());
        assertEquals(sizeBefore, Files.size(generation.resolve("kv.db")), "refusing must not touch the file");
        assertThrows(StorageException.class, () -> MvccStore.open(config), "still refused on a second try");

        assertTrue(MvccStore.discardTorn(config) >= sizeBefore);
        assertFalse(Files.exists(generation), "the torn generation is deleted");
        try (MvccStore store = MvccStore.open(config)) {
            assertEquals(1, store.revision());
            assertEquals(0, store.appliedIndex().index());
            assertEquals(0, store.range(ALL).count());
            store.put(PutRequest.of(b("again"), b("1")));
        }
        try (MvccStore store = MvccStore.open(config)) {
            assertEquals(1, store.range(ALL).count(), "the rebuilt store commits and reopens normally");
        }
    }

    @Test
    void aStoreSeededFromASnapshotSaysSo() {
        StoreConfig config = StoreConfig.defaults(dir);
        try (MvccStore store = MvccStore.open(config)) {
            store.put(PutRequest.of(b("k"), b("v")));
            assertFalse(MvccStore.isSeeded(config));
            store.resetAppliedIndex();
        }
        assertTrue(MvccStore.isSeeded(config));
    }
}
