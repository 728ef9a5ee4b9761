package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.it.ApiClient.b64;
import static raftkv.it.ApiClient.obj;
import static raftkv.it.ApiClient.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Watches on real processes: across members, from history, after compaction, and across a leader kill. */
class WatchIT extends SharedClusterIT {

    @Test
    void aWatchOnOneNodeSeesWritesMadeOnOthersInOrderWithPreviousValues() throws Exception {
        try (WatchClient w = WatchClient.open(cluster.node(2).endpoint(), "app/", "app0", 0, true)) {
            await().until(w::created);
            long r1 = api.put(cluster.node(1).endpoint(), "app/a", "1").revision();
            long r2 = api.put(cluster.node(3).endpoint(), "app/a", "2").revision();
            api.put(cluster.node(1).endpoint(), "other", "x");
            long r3 = api.post(cluster.node(1).endpoint(), "/v3/kv/deleterange", obj().put("key", b64("app/a")))
                    .revision();
            await().atMost(Duration.ofSeconds(10)).until(() -> w.events().size() == 3);
            List<JsonNode> ev = w.events();
            assertEquals(List.of(r1, r2, r3), ev.stream().map(e -> e.path("kv").path("mod_revision").asLong())
                    .toList());
            assertEquals("1", text(ev.get(1).path("prev_kv").path("value")));
            assertEquals("DELETE", ev.get(2).path("type").asText());
            assertEquals("2", text(ev.get(2).path("prev_kv").path("value")));
        }
    }

    @Test
    void aWatchFromAnOldRevisionReplaysHistoryAndACompactedOneIsCancelled() throws Exception {
        String e = cluster.node(1).endpoint();
        long first = api.put(e, "hist/k", "1").revision();
        api.put(e, "hist/k", "2");
        api.put(e, "hist/k", "3");
        try (WatchClient w = WatchClient.open(cluster.node(3).endpoint(), "hist/k", null, first, false)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.events().size() == 3);
            assertEquals(List.of("1", "2", "3"), w.events().stream().map(x -> text(x.path("kv").path("value")))
                    .toList());
        }
        long now = api.put(e, "hist/k", "4").revision();
        assertEquals(200, api.post(e, "/v3/kv/compaction", obj().put("revision", now)).status());
        try (WatchClient w = WatchClient.open(cluster.node(2).endpoint(), "hist/k", null, first, false)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> w.results.stream()
                    .anyMatch(r -> r.path("canceled").asBoolean()));
            JsonNode cancel = w.results.stream().filter(r -> r.path("canceled").asBoolean()).findFirst().orElseThrow();
            assertEquals(now, cancel.path("compact_revision").asLong());
        }
    }

    @Test
    void aWatcherThatResumesFromItsLastRevisionAfterALeaderKillMissesNothingAndSeesNothingTwice() throws Exception {
        String e = cluster.node(1).endpoint();
        long start = api.put(e, "cont/start", "0").revision() + 1;
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Long> acked = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread writer = new Thread(() -> {
            Random rnd = new Random(3);
            for (int i = 0; writing.get(); i++) {
                var nodes = cluster.live();
                try {
                    var r = api.put(nodes.get(rnd.nextInt(nodes.size())).endpoint(), "cont/" + (i % 20), "v" + i);
                    if (r.ok()) {
                        acked.add(r.revision());
                    }
                } catch (Exception ex) {
                    // the node was killed: outcome unknown
                }
            }
        });
        writer.setDaemon(true);
        writer.start();
        try {
            resumeAcrossALeaderKill(start, acked, writing, writer);
        } finally {
            writing.set(false); // a failed check must not leave the writer spinning against a closed cluster
        }
    }

    private void resumeAcrossALeaderKill(long start, List<Long> acked, AtomicBoolean writing, Thread writer)
            throws Exception {
        int leader = cluster.leader();
        List<JsonNode> seen = new ArrayList<>();
        // Watch on the leader, so that killing it breaks the stream; resume elsewhere from last revision + 1.
        WatchClient w = WatchClient.open(cluster.node(leader).endpoint(), "cont/", "cont0", start, false);
        await().atMost(Duration.ofSeconds(10)).until(() -> w.events().size() > 50);
        cluster.node(leader).kill();
        await().atMost(Duration.ofSeconds(10)).until(w::ended);
        seen.addAll(w.events());
        w.close();
        long resumeFrom = seen.get(seen.size() - 1).path("kv").path("mod_revision").asLong() + 1;
        WatchClient w2 = WatchClient.open(cluster.live().get(0).endpoint(), "cont/", "cont0", resumeFrom, false);
        int before = acked.size();
        await().atMost(Duration.ofSeconds(20)).until(() -> acked.size() > before + 100);
        writing.set(false);
        writer.join();
        long last = acked.stream().mapToLong(Long::longValue).max().orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> !w2.events().isEmpty()
                && w2.events().get(w2.events().size() - 1).path("kv").path("mod_revision").asLong() >= last);
        seen.addAll(w2.events());
        w2.close();
        cluster.node(leader).start();
        cluster.awaitHealthy(); // the replay below may go to the restarted member

        List<Long> revisions = seen.stream().map(x -> x.path("kv").path("mod_revision").asLong()).toList();
        for (int i = 1; i < revisions.size(); i++) {
            assertTrue(revisions.get(i) > revisions.get(i - 1), "strictly increasing, no duplicate, at " + i);
        }
        for (long rev : acked) {
            assertTrue(revisions.contains(rev), "acknowledged write at revision " + rev + " was seen");
        }
        // And nothing is missing: a fresh replay of the same history gives exactly the same events.
        try (WatchClient replay = WatchClient.open(cluster.live().get(0).endpoint(), "cont/", "cont0", start,
                false)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> replay.events().size() >= revisions.size());
            assertEquals(revisions, replay.events().stream().limit(revisions.size())
                    .map(x -> x.path("kv").path("mod_revision").asLong()).toList());
        }
    }
}
