package raftkv.server.tools;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import raftkv.config.ConfigLoader;
import raftkv.config.NodeConfig;
import raftkv.server.grpc.SnapshotFraming;
import raftkv.storage.MvccStore;
import raftkv.storage.StorageException;
import raftkv.storage.StoreConfig;
import raftkv.storage.StoreSnapshot;

/**
 * Snapshot restore, behind {@code scripts/raftkv-cluster restore} and {@code kvctl snapshot restore}: builds the data
 * directories of a new cluster from a file {@code kvctl snapshot save} wrote, or one {@code etcdctl snapshot save}
 * wrote (its framing is unwrapped, its checksum verified): each member's store holds the snapshot's data, and its Raft log starts empty.
 */
@CommandLine.Command(name = "raftkv-snapshot", mixinStandardHelpOptions = true,
        subcommands = {SnapshotTool.Restore.class})
public final class SnapshotTool {

    public static void main(String[] args) {
        System.exit(new CommandLine(new SnapshotTool()).execute(args));
    }

    @CommandLine.Command(name = "restore",
            description = "Builds the data directories of a new cluster from a snapshot file.")
    static final class Restore implements Callable<Integer> {
        @CommandLine.Parameters(index = "0", description = "the snapshot file") Path file;
        @CommandLine.Option(names = "--config", required = true, description = "each new member's config file")
        List<Path> configs;

        @Override
        public Integer call() throws Exception {
            for (Path c : configs) {
                NodeConfig config = ConfigLoader.load(c);
                Path data = config.node().dataPath();
                if (Files.exists(data)) {
                    try (var entries = Files.list(data)) {
                        if (entries.findAny().isPresent()) {
                            System.err.println("refusing to restore into " + data + ": it is not empty");
                            return 2;
                        }
                    }
                }
                try (MvccStore store = MvccStore.open(StoreConfig.defaults(data.resolve("store")));
                     InputStream in = SnapshotFraming.open(file)) {
                    StoreSnapshot.Info info = store.restore(in);
                    store.resetAppliedIndex(); // a new cluster's log starts at index 0
                    System.out.printf("member %d: restored revision %d (%d records) into %s%n", config.node().id(),
                            info.revision(), info.records(), data);
                } catch (StorageException e) {
                    System.err.println("refused: " + e.getMessage());
                    return 1;
                }
            }
            return 0;
        }
    }
}
