package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.it.ApiClient.b64;
import static raftkv.it.ApiClient.obj;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot download and restore into a new cluster; defragment giving space back; the NOSPACE alarm refusing
 * writes until an operator compacts, defragments and disarms.
 */
class MaintenanceIT {

    @TempDir
    Path dir;

    @Test
    void aSnapshotRestoredIntoANewClusterHasTheSameHash() throws Exception {
        Path file = dir.resolve("backup.snap");
        long revision;
        long hash;
        try (TestCluster source = TestCluster.start(3, dir.resolve("source"), TestCluster.Settings.DEFAULT)) {
            String e = source.node(1).endpoint();
            for (int i = 0; i < 300; i++) {
                source.api.put(e, "snap/" + (i % 50), "value-" + i);
            }
            source.api.post(e, "/v3/kv/compaction", obj().put("revision", 100));
            revision = download(source.node(2).endpoint(), file);
            hash = source.api.hash(source.node(3).endpoint(), revision);
        }
        TestCluster target = TestCluster.create(3, dir.resolve("target"), TestCluster.Settings.DEFAULT);
        try (target) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Draftkv.log.level=WARN", "-cp", System.getProperty("java.class.path"),
                    "raftkv.server.tools.SnapshotTool", "restore", file.toString()));
            for (Path c : target.configFiles()) {
                cmd.add("--config");
                cmd.add(c.toString());
            }
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
            target.startAll();
            for (TestCluster.NodeProcess n : target.nodes()) {
                assertEquals(hash, target.api.hash(n.endpoint(), revision), "member " + n.id());
            }
            var after = target.api.put(target.node(1).endpoint(), "snap/new", "x");
            assertEquals(revision + 1, after.revision(), "the new cluster goes on from the snapshot's revision");
        }
    }

    /** Saves the streamed snapshot of {@code endpoint} into {@code file}; returns its revision. */
    private static long download(String endpoint, Path file) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(endpoint + "/v3/maintenance/snapshot")).POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        ObjectMapper json = new ObjectMapper();
        long revision = 0;
        try (OutputStream out = Files.newOutputStream(file); var lines = r.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode result = json.readTree(line).path("result");
                revision = result.path("header").path("revision").asLong();
                out.write(Base64.getDecoder().decode(result.path("blob").asText()));
            }
        }
        return revision;
    }

    @Test
    void defragmentGivesSpaceBack() throws Exception {
        try (TestCluster cluster = TestCluster.start(3, dir.resolve("defrag"), TestCluster.Settings.DEFAULT)) {
            String e = cluster.node(1).endpoint();
            String big = "x".repeat(20_000);
            for (int i = 0; i < 300; i++) {
                cluster.api.put(e, "big/" + (i % 10), big);
            }
            long rev = cluster.api.put(e, "big/last", "x").revision();
            cluster.api.post(e, "/v3/kv/deleterange", obj().put("key", b64("big/")).put("range_end", b64("big0")));
            cluster.api.post(e, "/v3/kv/compaction", obj().put("revision", rev));
            long before = cluster.api.status(e).path("dbSize").asLong();
            var r = cluster.api.post(e, "/v3/maintenance/defragment", "{}");
            assertEquals(200, r.status(), r.body().toString());
            long after = cluster.api.status(e).path("dbSize").asLong();
            assertTrue(after < before / 2, "defragment shrank " + before + " bytes to " + after);
            assertEquals(200, cluster.api.put(e, "after/defrag", "ok").status());
        }
    }

    @Test
    void aStoreOverItsQuotaRefusesPutsUntilCompactedDefragmentedAndDisarmed() throws Exception {
        long quota = 4L << 20;
        var settings = new TestCluster.Settings(500, 10_000, 1L << 20, quota);
        try (TestCluster cluster = TestCluster.start(3, dir.resolve("nospace"), settings)) {
            String e1 = cluster.node(1).endpoint();
            String e3 = cluster.node(3).endpoint();
            String big = "y".repeat(50_000);
            ApiClient.Response refused = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            for (int i = 0; refused == null && System.nanoTime() < deadline; i++) {
                ApiClient.Response r = cluster.api.put(e1, "fill/" + (i % 10), big);
                if (!r.ok()) {
                    refused = r;
                }
            }
            assertTrue(refused != null, "puts were never refused above a quota of " + quota + " bytes");
            assertEquals(429, refused.status(), refused.body().toString());
            assertTrue(refused.body().path("error").asText().contains("database space exceeded"), refused.toString());

            // The alarm is replicated: every member refuses puts and reports it, reads still work.
            JsonNode alarms = cluster.api.post(e3, "/v3/maintenance/alarm", "{}").body().path("alarms");
            assertTrue(alarms.size() > 0 && alarms.get(0).path("alarm").asText().equals("NOSPACE"), alarms.toString());
            assertEquals(429, cluster.api.put(e3, "fill/x", "small").status());
            assertTrue(!cluster.api.healthy(e3), "a member with an alarm raised is not healthy");
            assertEquals(big, cluster.api.value(e3, "fill/0"));

            long rev = cluster.api.status(e1).path("header").path("revision").asLong();
            assertEquals(200, cluster.api.post(e1, "/v3/kv/compaction", obj().put("revision", rev)).status());
            for (TestCluster.NodeProcess n : cluster.nodes()) {
                var r = cluster.api.post(n.endpoint(), "/v3/maintenance/defragment", "{}");
                assertEquals(200, r.status(), r.body().toString());
                long size = cluster.api.status(n.endpoint()).path("dbSize").asLong();
                assertTrue(size < quota, "member " + n.id() + " is " + size + " bytes after defragment");
            }
            // As etcdctl alarm disarm: list (other members may have raised theirs meanwhile), then clear each.
            for (JsonNode a : cluster.api.post(e1, "/v3/maintenance/alarm", "{}").body().path("alarms")) {
                var r = cluster.api.post(e1, "/v3/maintenance/alarm", obj().put("action", "DEACTIVATE")
                        .put("memberID", a.path("memberID").asLong()).put("alarm", "NOSPACE"));
                assertEquals(200, r.status(), r.body().toString());
            }
            assertEquals(0, cluster.api.post(e3, "/v3/maintenance/alarm", "{}").body().path("alarms").size());
            assertEquals(200, cluster.api.put(e3, "fill/after", "small").status());
            assertEquals(200, cluster.api.put(e1, "fill/0", "small").status());
            assertTrue(cluster.api.healthy(e3));
        }
    }

    /**
     * Alarms are replicated state, as etcd's: a NOSPACE alarm raised once survives every member's restart, reaches
     * a member that catches up by snapshot install, and makes each of them refuse puts (and keep serving deletes and
     * reads) until it is cleared.
     */
    @Test
    void aNoSpaceAlarmSurvivesRestartsAndReachesAMemberBySnapshotInstall() throws Exception {
        // Snapshots every 100 entries and small log segments, so that a wiped member must catch up by snapshot.
        var settings = new TestCluster.Settings(500, 100, 64 * 1024);
        try (TestCluster cluster = TestCluster.start(3, dir.resolve("alarms"), settings)) {
            String e1 = cluster.node(1).endpoint();
            assertEquals(200, cluster.api.put(e1, "kept", "before the alarm").status());
            var raised = cluster.api.post(e1, "/v3/maintenance/alarm", obj().put("action", "ACTIVATE")
                    .put("memberID", 2).put("alarm", "NOSPACE"));
            assertEquals(200, raised.status(), raised.body().toString());
            assertRaisedAndEnforcedOnEveryMember(cluster, "after raising it");

            for (TestCluster.NodeProcess n : cluster.nodes()) {
                n.kill();
            }
            for (TestCluster.NodeProcess n : cluster.nodes()) {
                n.start();
            }
            awaitLeaderEverywhere(cluster);
            assertRaisedAndEnforcedOnEveryMember(cluster, "after every member was SIGKILLed and restarted");

            TestCluster.NodeProcess wiped = cluster.node(3);
            wiped.kill();
            wiped.wipe();
            // Entries go by (deletes are allowed under NOSPACE) and the log behind them is purged.
            for (int i = 0; i < 400; i++) {
                cluster.api.post(e1, "/v3/kv/deleterange", obj().put("key", b64("gone/" + i)));
            }
            wiped.start();
            awaitLeaderEverywhere(cluster);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                    .until(() -> wiped.logText().contains("installing snapshot"));
            assertRaisedAndEnforcedOnEveryMember(cluster, "after member 3 was wiped and caught up by snapshot");
        }
    }

    private static void awaitLeaderEverywhere(TestCluster cluster) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .pollInterval(java.time.Duration.ofMillis(200)).until(() -> cluster.nodes().stream().allMatch(n -> {
                    var s = cluster.api.status(n.endpoint());
                    return s != null && s.path("leader").asInt() != 0;
                }));
    }

    private static void assertRaisedAndEnforcedOnEveryMember(TestCluster cluster, String when) throws Exception {
        long target = cluster.api.status(cluster.node(1).endpoint()).path("raftIndex").asLong();
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> {
                var s = cluster.api.status(n.endpoint());
                return s != null && s.path("raftAppliedIndex").asLong() >= target;
            });
            JsonNode alarms = cluster.api.post(n.endpoint(), "/v3/maintenance/alarm", "{}").body().path("alarms");
            assertEquals(1, alarms.size(), when + ": member " + n.id() + " lists " + alarms);
            assertEquals(2, alarms.get(0).path("memberID").asInt(), when + ": " + alarms);
            assertEquals("NOSPACE", alarms.get(0).path("alarm").asText(), when + ": " + alarms);
            assertEquals(429, cluster.api.put(n.endpoint(), "refused", "x").status(), when + ": member " + n.id());
            assertEquals("before the alarm", cluster.api.value(n.endpoint(), "kept"), when);
        }
    }
}
