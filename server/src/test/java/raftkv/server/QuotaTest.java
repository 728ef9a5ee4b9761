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


/**
 * Over the backend quota a node raises the NOSPACE alarm: writes that add data are refused while deletes, compaction
 * and defragment go on; once space is back and the alarm disarmed, puts work again.
 */
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
    void overTheQuotaPutsAreRefusedUntilSpaceIsReclaimedAndTheAlarmDisarmed() throws Exception {
        int client = freePort();
        List<NodeConfig> configs = LocalCluster.generate("quota", 1, dir, new int[] {client},
                new int[] {freePort()}, new NodeConfig.RaftSettings(200L, null, null, null, null),
                new NodeConfig.Limits(null, 4L << 20, null), NodeConfig.CompactionSettings.DEFAULTS);
        try (Node node = Node.start(configs.get(0));
             ClientPort api = ClientPort.start(node, new InetSocketAddress("127.0.0.1", client))) {
            String base = "http://127.0.0.1:" + client;
            await().atMost(Duration.ofSeconds(20)).until(() -> node.status().isLeader());
            String value = java.util.Base64.getEncoder().encodeToString(new byte[100_000]);
            int[] i = {0};
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    post(base, "/v3/kv/put", "{\"key\":\"" + java.util.Base64.getEncoder().encodeToString(
                            ("big" + i[0]++).getBytes()) + "\",\"value\":\"" + value + "\"}").statusCode() == 429);
            HttpResponse<String> put = post(base, "/v3/kv/put", "{\"key\":\"YQ==\",\"value\":\"Yg==\"}");
            assertEquals(429, put.statusCode(), put.body());
            assertTrue(put.body().contains("\"code\":8"), put.body());
            assertTrue(put.body().contains("database space exceeded"), put.body());
            HttpResponse<String> txnPut = post(base, "/v3/kv/txn",
                    "{\"success\":[{\"request_put\":{\"key\":\"YQ==\",\"value\":\"Yg==\"}}]}");
            assertEquals(429, txnPut.statusCode(), txnPut.body());
            HttpResponse<String> status = post(base, "/v3/maintenance/status", "{}");
            assertTrue(status.body().contains("memberID:1 alarm:NOSPACE"), status.body());
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, health.statusCode());
            assertTrue(health.body().contains("ALARM NOSPACE"), health.body());

            // Reclaim: delete, compact, defragment; the alarm stays until disarmed.
            assertEquals(200, post(base, "/v3/kv/deleterange", "{\"key\":\"AA==\",\"range_end\":\"AA==\"}")
                    .statusCode());
            long rev = node.store().revision();
            assertEquals(200, post(base, "/v3/kv/compaction", "{\"revision\":" + rev + "}").statusCode());
            // (defragment skips what compaction no longer needs, whether or not its background deletion is done)
            assertEquals(200, post(base, "/v3/maintenance/defragment", "{}").statusCode());
            assertTrue(node.store().dbSize() < 4L << 20, "defragment gave the space back: " + node.store().dbSize());
            assertEquals(429, post(base, "/v3/kv/put", "{\"key\":\"YQ==\",\"value\":\"Yg==\"}").statusCode(),
                    "the alarm stays until disarmed");
            HttpResponse<String> disarm = post(base, "/v3/maintenance/alarm",
                    "{\"action\":\"DEACTIVATE\",\"memberID\":1,\"alarm\":\"NOSPACE\"}");
            assertEquals(200, disarm.statusCode(), disarm.body());
            assertEquals(200, post(base, "/v3/kv/put", "{\"key\":\"YQ==\",\"value\":\"Yg==\"}").statusCode());
        }
    }
}
