package raftkv.storage;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The child process of the crash test: opens the store, continues the workload from the entry after its applied
 * index, and writes until it is killed. Prints each applied index it has reached every 50 entries.
 *
 * <p>Arguments: data directory, seed, commitOps.
 */
public final class CrashWriter {

    private CrashWriter() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int commitOps = Integer.parseInt(args[2]);
        MvccStore store = MvccStore.open(StoreConfig.defaults(dir).withCommitOps(commitOps)
                .withCommitInterval(Duration.ofMillis(20)));
        CrashWorkload.Target target = CrashWorkload.on(store);
        long index = store.appliedIndex().index();
        System.out.println("started at " + index);
        System.out.flush();
        while (true) {
            index++;
            try (MvccStore.ApplyScope scope = store.beginApply(1, index)) {
                CrashWorkload.apply(target, seed, index);
            }
            if (index % 50 == 0) {
                System.out.println("applied " + index);
                System.out.flush();
            }
        }
    }
}
