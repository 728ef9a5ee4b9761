package raftkv.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.storage.TestKeys.b;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.storage.auth.AuthCodec;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.auth.AuthState;
import raftkv.storage.auth.Permission;
import raftkv.storage.backend.Meta;
import raftkv.storage.backend.SnapshotFormat;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.RangeRequest;

/** The auth state is replicated state: it lives, commits, snapshots and restores with the data. */
class AuthStoreTest {

    @TempDir
    Path dir;

    private MvccStore open(String name) {
        return MvccStore.open(StoreConfig.defaults(dir.resolve(name)));
    }

    /** Users, roles, permissions of every shape, and auth on. */
    private static void populateAuth(MvccStore store) {
        store.applyAuth(new AuthCommand.UserAdd(AuthState.ROOT, "$2a$04$rootHash"));
        store.applyAuth(new AuthCommand.RoleAdd(AuthState.ROOT));
        store.applyAuth(new AuthCommand.UserGrantRole(AuthState.ROOT, AuthState.ROOT));
        store.applyAuth(new AuthCommand.UserAdd("alice", "$2a$04$aliceHash"));
        store.applyAuth(new AuthCommand.RoleAdd("app"));
        store.applyAuth(new AuthCommand.RoleGrantPermission("app",
                new Permission(Permission.Type.READWRITE, KeyRange.prefix(b("app/")))));
        store.applyAuth(new AuthCommand.RoleGrantPermission("app",
                new Permission(Permission.Type.READ, KeyRange.single(b("config")))));
        store.applyAuth(new AuthCommand.RoleGrantPermission("app",
                new Permission(Permission.Type.WRITE, new KeyRange(b("z"), new byte[] {0}))));
        store.applyAuth(new AuthCommand.UserGrantRole("alice", "app"));
        store.applyAuth(new AuthCommand.Enable(new byte[] {1, 2, 3, 4}));
    }

    private static void assertSameAuth(AuthState expected, AuthState actual) {
        assertArrayEquals(AuthCodec.encode(expected), AuthCodec.encode(actual));
        assertEquals(expected.hash(), actual.hash());
    }

    private static byte[] snapshotBytes(MvccStore store) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.snapshot(out);
        return out.toByteArray();
    }

    @Test
    void theAuthStateSurvivesCloseAndReopen() {
        AuthState before;
        try (MvccStore store = open("s")) {
            populateAuth(store);
            before = store.auth();
            assertTrue(before.enabled());
        }
        try (MvccStore store = open("s")) {
            assertSameAuth(before, store.auth());
            store.auth().check("alice", Permission.Type.WRITE, KeyRange.single(b("app/x")));
            // A change after reopening is written too, though the backend wrote no auth state since it opened.
            store.applyAuth(new AuthCommand.UserAdd("bob", ""));
            before = store.auth();
        }
        try (MvccStore store = open("s")) {
            assertSameAuth(before, store.auth());
            assertTrue(store.auth().user("bob").isPresent());
        }
    }

    @Test
    void aStoreWithoutAuthOpensAtTheInitialState() {
        try (MvccStore store = open("s")) {
            store.put(PutRequest.of(b("k"), b("v")));
        }
        try (MvccStore store = open("s")) {
            assertSameAuth(AuthState.INITIAL, store.auth());
        }
    }

    @Test
    void aRefusedChangeLeavesTheStoreAlone() {
        try (MvccStore store = open("s")) {
            populateAuth(store);
            AuthState before = store.auth();
            StorageException e = assertThrows(StorageException.class,
                    () -> store.applyAuth(new AuthCommand.UserDelete(AuthState.ROOT)));
            assertEquals(ErrorCode.INVALID_AUTH_MGMT, e.code());
            assertSame(before, store.auth());
            store.applyAuth(new AuthCommand.Enable(new byte[] {9}));
            assertSame(before, store.auth(), "enabling again is no change");
        }
    }

    @Test
    void aSnapshotCarriesTheAuthStateIntoAnotherStore() {
        try (MvccStore source = open("source"); MvccStore target = open("target")) {
            populateAuth(source);
            source.put(PutRequest.of(b("app/1"), b("v")));
            target.applyAuth(new AuthCommand.UserAdd("replaced", ""));
            target.restore(new ByteArrayInputStream(snapshotBytes(source)));
            assertSameAuth(source.auth(), target.auth());
            assertTrue(target.auth().user("replaced").isEmpty(), "the restored state replaces the old one whole");
            assertEquals(source.hash(0), target.hash(0));
        }
        try (MvccStore target = open("target")) {
            assertTrue(target.auth().enabled(), "the restored auth state was committed");
            assertTrue(target.auth().user("alice").isPresent());
        }
    }

    @Test
    void aSnapshotWithoutAuthRestoresTheInitialStateOverAnEnabledOne() {
        try (MvccStore source = open("source"); MvccStore target = open("target")) {
            source.put(PutRequest.of(b("k"), b("v")));
            populateAuth(target);
            target.restore(new ByteArrayInputStream(snapshotBytes(source)));
            assertSameAuth(AuthState.INITIAL, target.auth());
        }
        try (MvccStore target = open("target")) {
            assertSameAuth(AuthState.INITIAL, target.auth());
        }
    }

    /**
     * An intact snapshot stream whose auth state does not decode (written by a newer format, or by a bug) must be
     * refused before it replaces anything, as any other inconsistent snapshot.
     */
    @Test
    void aSnapshotWhoseAuthStateDoesNotDecodeIsRefusedAndTheOldStateStays() throws Exception {
        try (MvccStore target = open("target")) {
            populateAuth(target);
            target.put(PutRequest.of(b("app/1"), b("kept")));
            AuthState before = target.auth();
            long revision = target.revision();
            Meta meta = new Meta(1, 10, 1, 0, 0, 0, List.of(), new byte[] {42, 1, 2, 3});
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SnapshotFormat.write(out, meta, Map.of(), Collections.emptyIterator());
            StorageException e = assertThrows(StorageException.class,
                    () -> target.restore(new ByteArrayInputStream(out.toByteArray())));
            assertEquals(ErrorCode.CORRUPT_SNAPSHOT, e.code());
            assertSame(before, target.auth());
            assertEquals(revision, target.revision());
            assertEquals(1, target.range(RangeRequest.of(b("app/1")).build()).kvs().size());
        }
        try (MvccStore target = open("target")) {
            assertTrue(target.auth().enabled(), "the old state still opens");
            assertEquals(1, target.range(RangeRequest.of(b("app/1")).build()).kvs().size());
        }
    }

    @Test
    void defragmentKeepsTheAuthState() {
        AuthState after;
        try (MvccStore store = open("s")) {
            populateAuth(store);
            store.put(PutRequest.of(b("app/1"), b("v")));
            AuthState before = store.auth();
            store.defragment();
            assertSameAuth(before, store.auth());
            // A change after the swap must reach the new generation's file.
            store.applyAuth(new AuthCommand.RoleAdd("later"));
            after = store.auth();
        }
        try (MvccStore store = open("s")) {
            assertSameAuth(after, store.auth());
        }
    }

    /**
     * Closing while the group committer is writing an auth change: the commit in flight must finish, not be
     * interrupted (an interrupt closes MapDB's channels under it and leaves its log unable to commit again). Each
     * round waits, spinning, until the timer has committed, so that the committer is busy around the close.
     */
    @Test
    void closingWhileTheGroupCommitterWritesTheAuthStateLosesNothing() {
        StoreConfig config = StoreConfig.defaults(dir.resolve("s")).withCommitInterval(java.time.Duration.ofMillis(2));
        for (int round = 0; round < 20; round++) {
            try (MvccStore store = MvccStore.open(config)) {
                for (int i = 0; i < round % 5; i++) {
                    long commits = store.stats().commits();
                    store.applyAuth(new AuthCommand.UserAdd("u" + round + "_" + i, "hash"));
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (store.stats().commits() == commits && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                }
                store.defragment();
                store.applyAuth(new AuthCommand.RoleAdd("r" + round));
            }
            try (MvccStore store = MvccStore.open(config)) {
                assertTrue(store.auth().role("r" + round).isPresent(), "round " + round);
            }
        }
    }

    @Test
    void resettingTheAppliedIndexKeepsTheAuthState() {
        AuthState before;
        try (MvccStore store = open("s")) {
            try (MvccStore.ApplyScope scope = store.beginApply(2, 7)) {
                populateAuth(store);
            }
            before = store.auth();
            store.resetAppliedIndex();
            assertSameAuth(before, store.auth());
            assertEquals(0, store.appliedIndex().index());
        }
        try (MvccStore store = open("s")) {
            assertSameAuth(before, store.auth());
            assertEquals(0, store.appliedIndex().index());
        }
    }

    /**
     * A process that stops between commits reopens at its last commit: an auth change applied in an entry after it
     * is gone with that entry (the log replays it), and one applied before it is there, even when later commits
     * had no auth change to write.
     */
    @Test
    void anAuthChangeCommitsWithTheAppliedIndexOfItsEntry() throws Exception {
        runHaltWriter("a", "no-commit");
        try (MvccStore store = open("a")) {
            assertEquals(1, store.appliedIndex().index());
            assertTrue(store.auth().user("alice").isPresent());
            assertTrue(store.auth().role("r").isEmpty(), "entry 2 was not committed");
            assertTrue(store.auth().user("bob").isEmpty());
            assertEquals(2, store.auth().revision());
            assertEquals(0, store.range(RangeRequest.of(b("k3")).build()).kvs().size());
        }
        runHaltWriter("b", "commit");
        try (MvccStore store = open("b")) {
            assertEquals(3, store.appliedIndex().index());
            assertTrue(store.auth().user("alice").isPresent());
            assertTrue(store.auth().role("r").isPresent(), "entry 2 committed with entry 3");
            assertTrue(store.auth().user("bob").isEmpty(), "entry 4 was not committed");
            assertEquals(3, store.auth().revision());
            assertEquals(1, store.range(RangeRequest.of(b("k3")).build()).kvs().size());
        }
    }

    private void runHaltWriter(String name, String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                AuthHaltWriter.class.getName(), dir.resolve(name).toString(), mode).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                output.append(line).append('\n');
            }
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the writer did not stop");
        assertEquals(0, child.exitValue(), output.toString());
        assertTrue(output.toString().contains("halting"), output.toString());
    }
}
