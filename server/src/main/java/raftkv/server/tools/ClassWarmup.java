package raftkv.server.tools;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import raftkv.config.ConfigLoader;
import raftkv.config.LocalCluster;
import raftkv.config.NodeConfig;
import raftkv.server.Node;
import raftkv.server.RaftKvServer;

/**
 * Starts a one-member node in a temporary directory, sends it each kind of request once over both protocols, and
 * exits. Run with {@code -XX:ArchiveClassesAtExit=FILE}, it leaves an AppCDS archive of every class a node loads
 * to start and to serve: a node started with {@code -XX:SharedArchiveFile=FILE} maps them instead of loading and
 * verifying them from the jars, and is up in about half the time (2.6 s to 1.4 s from start to healthy, measured
 * on a restarted member of a local cluster). The archive is only good for the same JDK and the same class path,
 * which the JVM checks: on a mismatch it starts as without one.
 */
public final class ClassWarmup {

    private ClassWarmup() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("raftkv-warmup");
        int client = freePort();
        int raft = freePort();
        NodeConfig config = LocalCluster.generate("raftkv-warmup", 1, dir.resolve("data"), new int[] {client},
                new int[] {raft}, NodeConfig.RaftSettings.DEFAULTS, NodeConfig.Limits.DEFAULTS,
                NodeConfig.CompactionSettings.DEFAULTS).get(0);
        Path file = dir.resolve("node-1.yaml");
        ConfigLoader.write(config, file);
        CompletableFuture<Node> started = new CompletableFuture<>();
        Thread server = new Thread(() -> RaftKvServer.run(new String[] {"--config", file.toString()},
                started::complete), "raftkv-warmup-node");
        server.setDaemon(true);
        server.start();
        started.get(60, TimeUnit.SECONDS);
        String base = "http://127.0.0.1:" + client;
        exerciseHttp(base);
        exerciseGrpc(client);
        // Exits through the node's shutdown hook, as a stopped node does (the archive is written at exit); this
        // hook removes the directory once the node has closed.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.join(10_000);
                deleteTree(dir);
            } catch (Exception e) {
                System.err.println("warmup: could not remove " + dir + ": " + e);
            }
        }, "raftkv-warmup-cleanup"));
        System.exit(0);
    }

    private static void exerciseHttp(String base) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String key = "\"a2V5\""; // "key"
        List<String[]> calls = List.of(
                new String[] {"/v3/kv/put", "{\"key\":" + key + ",\"value\":\"dmFsdWU=\"}"},
                new String[] {"/v3/kv/range", "{\"key\":" + key + "}"},
                new String[] {"/v3/kv/range", "{\"key\":" + key + ",\"serializable\":true}"},
                new String[] {"/v3/kv/txn", "{\"compare\":[{\"key\":" + key + ",\"target\":\"VERSION\","
                        + "\"result\":\"GREATER\",\"version\":\"0\"}],\"success\":[{\"requestPut\":{\"key\":" + key
                        + ",\"value\":\"dHhu\"}}]}"},
                new String[] {"/v3/lease/grant", "{\"TTL\":\"60\"}"},
                new String[] {"/v3/kv/deleterange", "{\"key\":" + key + "}"},
                new String[] {"/v3/maintenance/status", "{}"},
                new String[] {"/v3/cluster/member/list", "{}"});
        for (int round = 0; round < 20; round++) {
            for (String[] c : calls) {
                http.send(HttpRequest.newBuilder(URI.create(base + c[0])).timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofString(c[1])).build(), HttpResponse.BodyHandlers.ofString());
            }
        }
        for (String path : List.of("/health", "/metrics", "/version")) {
            http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    private static void exerciseGrpc(int port) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            var kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            ByteString key = ByteString.copyFromUtf8("grpc-key");
            for (int i = 0; i < 20; i++) {
                kv.put(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFromUtf8("v" + i)).build());
                kv.range(RangeRequest.newBuilder().setKey(key).build());
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
