package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static raftkv.it.ApiClient.b64;
import static raftkv.it.ApiClient.obj;
import static raftkv.it.ApiClient.text;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** A 3-node cluster used as a new user would use it with curl: replication, reads, txns, compaction, bad input. */
class ReplicationIT extends SharedClusterIT {

    @Test
    void aWriteOnAnyNodeIsReadOnEveryNodeRightAfterAndBumpsTheRevisionByOne() throws Exception {
        long rev = api.put(cluster.node(1).endpoint(), "repl/seed", "0").revision();
        for (TestCluster.NodeProcess writer : cluster.nodes()) {
            ApiClient.Response r = api.put(writer.endpoint(), "repl/key", "from-" + writer.id());
            assertEquals(200, r.status(), r.body().toString());
            assertEquals(rev + 1, r.revision(), "each write bumps the revision by exactly one");
            rev = r.revision();
            for (TestCluster.NodeProcess reader : cluster.nodes()) {
                assertEquals("from-" + writer.id(), api.value(reader.endpoint(), "repl/key"),
                        "node " + reader.id() + " reads the write made on node " + writer.id());
            }
        }
        ObjectNode old = obj().put("key", b64("repl/key")).put("revision", rev - 1);
        ApiClient.Response historical = api.post(cluster.node(2).endpoint(), "/v3/kv/range", old);
        assertEquals("from-2", text(historical.body().path("kvs").get(0).path("value")));
        ApiClient.Response withPrev = api.post(cluster.node(3).endpoint(), "/v3/kv/put",
                obj().put("key", b64("repl/key")).put("value", b64("last")).put("prev_kv", true));
        assertEquals("from-3", text(withPrev.body().path("prev_kv").path("value")));
    }

    /**
     * A follower answers a write from the leader's reply, before it has applied the write itself; a serializable
     * read through it right after must still see the write (and every member names the leader for writes).
     */
    @Test
    void aMemberServesItsOwnWritesToItsSerializableReadsAtOnce() throws Exception {
        String leader = cluster.node(cluster.leader()).endpoint();
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            for (int i = 0; i < 50; i++) {
                ApiClient.Response put = api.put(n.endpoint(), "ryw/" + n.id(), "v" + i);
                assertEquals(200, put.status(), put.body().toString());
                assertEquals(leader, put.leader(), "node " + n.id() + " names the leader");
                ApiClient.Response get = api.post(n.endpoint(), "/v3/kv/range",
                        obj().put("key", b64("ryw/" + n.id())).put("serializable", true));
                assertEquals("v" + i, text(get.body().path("kvs").get(0).path("value")),
                        "node " + n.id() + ", write " + i + " at revision " + put.revision());
                assertTrue(get.revision() >= put.revision(), "the read's header is not behind the write");
            }
        }
        // Ratis' own timers are exported too: the leader's log appended and fsynced those writes.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "(?m)^ratis_log_worker_\\w*_appendEntryLatency_seconds_count (\\S+)$")
                .matcher(api.metricsText(leader));
        assertTrue(m.find(), "the leader's /metrics has Ratis' log worker timers");
        assertTrue(Double.parseDouble(m.group(1)) >= 150, "appends counted: " + m.group(1));
    }

    @Test
    void aTxnIsAtomicAndACompactedRevisionCanNoLongerBeRead() throws Exception {
        String e = cluster.node(1).endpoint();
        api.put(e, "txn/a", "1");
        String txn = """
                {"compare":[{"key":"%s","target":"VALUE","result":"EQUAL","value":"%s"}],
                 "success":[{"request_put":{"key":"%s","value":"%s"}},{"request_put":{"key":"%s","value":"%s"}}],
                 "failure":[{"request_range":{"key":"%s"}}]}""".formatted(b64("txn/a"), b64("1"), b64("txn/a"),
                b64("2"), b64("txn/b"), b64("2"), b64("txn/a"));
        ApiClient.Response r = api.post(cluster.node(2).endpoint(), "/v3/kv/txn", txn);
        assertTrue(r.body().path("succeeded").asBoolean(), r.body().toString());
        long rev = r.revision();
        assertEquals(rev, api.get(e, "txn/b").body().path("kvs").get(0).path("mod_revision").asLong());
        assertEquals(rev, api.get(e, "txn/a").body().path("kvs").get(0).path("mod_revision").asLong());
        ApiClient.Response again = api.post(cluster.node(3).endpoint(), "/v3/kv/txn", txn);
        assertTrue(!again.body().path("succeeded").asBoolean(), "the compare no longer holds");
        assertEquals(rev, again.revision(), "a txn that writes nothing does not bump the revision");

        ApiClient.Response compact = api.post(e, "/v3/kv/compaction", obj().put("revision", rev));
        assertEquals(200, compact.status(), compact.body().toString());
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            ApiClient.Response below = api.post(n.endpoint(), "/v3/kv/range",
                    obj().put("key", b64("txn/a")).put("revision", rev - 1));
            assertEquals(400, below.status());
            assertEquals(11, below.body().path("code").asInt());
            assertEquals("etcdserver: mvcc: required revision has been compacted",
                    below.body().path("message").asText());
            assertEquals("2", api.value(n.endpoint(), "txn/a"), "the latest value survives compaction");
        }
    }

    @Test
    void malformedRequestsGetA4xxAndTheNodeStaysHealthy() throws Exception {
        String e = cluster.node(1).endpoint();
        String[][] cases = {
                {"/v3/kv/range", "{\"key\":"},
                {"/v3/kv/range", "{\"key\":\"***\"}"},
                {"/v3/kv/range", "{\"key\":\"YQ==\",\"limit\":\"many\"}"},
                {"/v3/kv/range", "{\"key\":\"YQ==\",\"limit\":1.5}"},
                {"/v3/kv/range", "{\"key\":\"YQ==\",\"revision\":99999999999999999999999}"},
                {"/v3/kv/range", "[1,2]"},
                {"/v3/kv/range", "{}"},
                {"/v3/kv/range", "{\"kye\":\"YQ==\"}"},
                {"/v3/kv/put", "{\"value\":\"YQ==\"}"},
                {"/v3/kv/put", "{\"key\":\"YQ==\",\"lease\":{}}"},
                {"/v3/kv/txn", "{\"success\":[{}]}"},
                {"/v3/kv/txn", "{\"compare\":[{\"key\":\"YQ==\",\"result\":\"ROUGHLY\"}]}"},
                {"/v3/kv/compaction", "{}"},
                {"/v3/kv/nothing", "{}"},
                {"/nothing", ""},
        };
        for (String[] c : cases) {
            ApiClient.Response r = api.post(e, c[0], c[1]);
            assertTrue(r.status() >= 400 && r.status() < 500, c[0] + " " + c[1] + " gave " + r.status());
            assertTrue(r.body().path("message").asText().length() > 0, "a message for " + c[1]);
        }
        StringBuilder many = new StringBuilder("{\"success\":[");
        for (int i = 0; i < 129; i++) {
            many.append(i == 0 ? "" : ",").append("{\"request_put\":{\"key\":\"").append(b64("k" + i))
                    .append("\"}}");
        }
        ApiClient.Response tooMany = api.post(e, "/v3/kv/txn", many + "]}");
        assertEquals(400, tooMany.status());
        assertEquals("etcdserver: too many operations in txn request", tooMany.body().path("message").asText());
        ApiClient.Response tooLarge = api.post(e, "/v3/kv/put", "{\"key\":\"YQ==\",\"value\":\""
                + "A".repeat(2_100_000) + "\"}");
        assertEquals(413, tooLarge.status());
        assertTrue(api.healthy(e));
        assertEquals(200, api.put(e, "still", "ok").status());
    }
}
