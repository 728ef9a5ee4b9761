package raftkv.storage;

import java.nio.file.Path;
import java.time.Duration;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.request.PutRequest;

/**
 * The child process of {@link AuthStoreTest}: applies entries with auth changes under group commit that never fires
 * on its own, commits after some of them, and halts without closing, as a process killed between commits would.
 *
 * <p>Entries: 1 adds user alice and puts k1, then a commit; 2 adds role r; 3 puts k3 (no auth change); then a commit
 * if the argument says so; 4 adds user bob; then halt. Arguments: data directory, "commit" or "no-commit".
 */
public final class AuthHaltWriter {

    private AuthHaltWriter() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        boolean commitAfterThree = args[1].equals("commit");
        MvccStore store = MvccStore.open(StoreConfig.defaults(dir).withCommitOps(1_000_000)
                .withCommitInterval(Duration.ofHours(1)));
        try (MvccStore.ApplyScope scope = store.beginApply(1, 1)) {
            store.applyAuth(new AuthCommand.UserAdd("alice", ""));
            store.put(PutRequest.of(TestKeys.b("k1"), TestKeys.b("v1")));
        }
        store.commit();
        try (MvccStore.ApplyScope scope = store.beginApply(1, 2)) {
            store.applyAuth(new AuthCommand.RoleAdd("r"));
        }
        try (MvccStore.ApplyScope scope = store.beginApply(1, 3)) {
            store.put(PutRequest.of(TestKeys.b("k3"), TestKeys.b("v3")));
        }
        if (commitAfterThree) {
            store.commit();
        }
        try (MvccStore.ApplyScope scope = store.beginApply(1, 4)) {
            store.applyAuth(new AuthCommand.UserAdd("bob", ""));
        }
        System.out.println("halting");
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }
}
