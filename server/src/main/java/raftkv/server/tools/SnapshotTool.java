package raftkv.server.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
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
 * Snapshot save and restore, behind {@code scripts/raftkv-cluster snapshot|restore} (kvctl will offer the same).
 * {@code save} downloads a member's snapshot stream to a file; {@code restore} builds the data directories of a
 * new cluster from such a file, or from one {@code etcdctl snapshot save} wrote (its framing is unwrapped, its
 * checksum verified): each member's store holds the snapshot's data, and its Raft log starts empty.
 */
@CommandLine.Command(name = "raftkv-snapshot", mixinStandardHelpOptions = true,
        subcommands = {SnapshotTool.Save.class, SnapshotTool.Restore.class})
public final class SnapshotTool {

    public static void main(String[] args) {
        System.exit(new CommandLine(new SnapshotTool()).execute(args));
    }

    @CommandLine.Command(name = "save", description = "Downloads a snapshot from an endpoint into a file.")
    static final class Save implements Callable<Integer> {
        @CommandLine.Option(names = "--endpoint", defaultValue = "http://127.0.0.1:2379") String endpoint;
        @CommandLine.Parameters(index = "0", description = "the file to write") Path file;

        @Override
        public Integer call() throws Exception {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(endpoint
                    + "/v3/maintenance/snapshot")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                System.err.println("snapshot failed: HTTP " + r.statusCode());
                return 1;
            }
            ObjectMapper json = new ObjectMapper();
            Path tmp = file.resolveSibling(file.getFileName() + ".part");
            long bytes = 0;
            long revision = 0;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
                 OutputStream out = Files.newOutputStream(tmp)) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode result = json.readTree(line).path("result");
                    revision = result.path("header").path("revision").asLong();
                    byte[] blob = Base64.getDecoder().decode(result.path("blob").asText());
                    out.write(blob);
                    bytes += blob.length;
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            System.out.printf("saved snapshot at revision %d: %d bytes to %s%n", revision, bytes, file);
            return 0;
        }
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
