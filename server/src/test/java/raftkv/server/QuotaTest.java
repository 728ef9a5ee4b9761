package raftkv.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.config.LocalCluster;
import raftkv.config.NodeConfig;
import raftkv.server.http.HttpApiServer;

/** Over the backend quota, a node refuses writes that add data (NOSPACE) but still deletes and compacts. */
class QuotaTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(String base, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers
                .ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void overTheQuotaPutsAreRefusedWhileDeletesAndCompactionWork() throws Exception {
        int client = freePort();
        // A fresh MapDB file is already 2 MiB: a 1 MiB quota is exceeded from the start.
        List<NodeConfig> configs = LocalCluster.generate("quota", 1, dir, new int[] {client},
                new int[] {freePort()}, new NodeConfig.RaftSettings(200L, null, null, null, null),
                new NodeConfig.Limits(null, 1L << 20, null), NodeConfig.CompactionSettings.DEFAULTS);
        try (Node node = Node.start(configs.get(0));
             HttpApiServer api = HttpApiServer.start(node, new InetSocketAddress("127.0.0.1", client))) {
            String base = "http://127.0.0.1:" + client;
            await().atMost(Duration.ofSeconds(20)).until(() -> node.status().isLeader());
            HttpResponse<String> put = post(base, "/v3/kv/put", "{\"key\":\"YQ==\",\"value\":\"Yg==\"}");
            assertEquals(429, put.statusCode(), put.body());
            assertTrue(put.body().contains("\"code\":8"), put.body());
            assertTrue(put.body().contains("database space exceeded"), put.body());
            HttpResponse<String> txnPut = post(base, "/v3/kv/txn",
                    "{\"success\":[{\"request_put\":{\"key\":\"YQ==\",\"value\":\"Yg==\"}}]}");
            assertEquals(429, txnPut.statusCode(), txnPut.body());
            assertEquals(200, post(base, "/v3/kv/deleterange", "{\"key\":\"YQ==\"}").statusCode());
            assertEquals(200, post(base, "/v3/kv/compaction", "{\"revision\":1}").statusCode());
            assertEquals(200, post(base, "/v3/kv/range", "{\"key\":\"YQ==\"}").statusCode());
            HttpResponse<String> status = post(base, "/v3/maintenance/status", "{}");
            assertTrue(status.body().contains("alarm:NOSPACE"), status.body());
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, health.statusCode());
            assertTrue(health.body().contains("ALARM NOSPACE"), health.body());
        }
    }
}
