package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's etcdctl (3.4.23 in bookworm, {@code ETCDCTL_API=3}), unmodified, against a raftkv cluster through the
 * etcd v3 gRPC API that each member serves on its client port: each command's exit code and its own output.
 *
 * <p>The expected forms below are those a real 3-node etcd 3.4.23 printed for the same commands (quoted in the
 * comments and constants); what differs from run to run (member, cluster and lease ids, revisions, raft term and
 * index, hashes, sizes, durations, the version) is checked for its form and then named by the normalizers in
 * {@link Forms}, so that a test compares whole outputs. Keys are under {@code ectl/}; a member killed is brought
 * back.
 */
class EtcdctlIT extends SharedClusterIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    // ------------------------------------------------------------------------------------------------------------
    // The cluster under test, as the commands see it.

    /** The members' client URLs, in the order etcdctl is given them. */
    List<String> endpointList() {
        return cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint).toList();
    }

    int leaderId() {
        return cluster.leader();
    }

    String endpointOf(int id) {
        return cluster.node(id).endpoint();
    }

    /** SIGKILL of member {@code id}'s process. */
    void kill(int id) {
        cluster.node(id).kill();
    }

    /** Starts member {@code id} again and waits until every member is healthy. */
    void restart(int id) throws Exception {
        cluster.node(id).start();
        cluster.awaitHealthy();
    }

    private Etcdctl ctl() {
        return Etcdctl.on(String.join(",", endpointList()));
    }

    private static Etcdctl.Result ok(String out) {
        return new Etcdctl.Result(0, out, "");
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static JsonNode json(Etcdctl.Result r) {
        assertEquals(0, r.exit(), r.toString());
        try {
            return JSON.readTree(r.out());
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + r, e);
        }
    }

    /** {@code put key value -w json}, its exact form checked; the revision it made. */
    private long put(Etcdctl ctl, String key, String value) {
        Etcdctl.Result r = ctl.run("put", key, value, "-w", "json");
        assertEquals(ok(Forms.HEADER_ONLY + "\n"), new Etcdctl.Result(r.exit(), Forms.json(r.out()), r.err()),
                r.toString());
        return json(r).path("header").path("revision").asLong();
    }

    /** A command that fails: its exit code and etcdctl's last line on stderr ({@code Error: ...}). */
    private static void assertFails(int exit, String errorLine, Etcdctl.Result r) {
        assertEquals(exit, r.exit(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertEquals(errorLine, r.lastErrLine(), r.toString());
    }

    // ------------------------------------------------------------------------------------------------------------

    /*
     * etcd 3.4.23 after put ectl/a 1, b 2, c 3, a 11 (etcdctl 3.4 has no --count-only: "Error: unknown flag:
     * --count-only", exit 1; the count is in -w json, with "more" when --limit cut the answer):
     *   get ectl/a                                   ectl/a\n11\n
     *   get ectl/a --rev 2                           ectl/a\n1\n
     *   get ectl/ --prefix --limit 2                 ectl/a\n11\nectl/b\n2\n
     *   get ectl/ --prefix --sort-by=VALUE --order=DESCEND      ectl/c\n3\nectl/b\n2\nectl/a\n11\n
     *   get ectl/ --prefix --sort-by=MODIFY --order=ASCEND --keys-only    ectl/b\n\nectl/c\n\nectl/a\n\n
     *   get ectl/ --prefix --print-value-only        11\n2\n3\n
     *   get ectl/none                                (nothing, exit 0)
     *   get ectl/a -w json    {"header":{"cluster_id":15607818387071354956,"member_id":5706814296621524664,
     *                         "revision":5,"raft_term":2},"kvs":[{"key":"ZWN0bC9h","create_revision":2,
     *                         "mod_revision":5,"version":2,"value":"MTE="}],"count":1}
     *   get ectl/ --prefix -w json --limit 1   ...,"kvs":[...one...],"more":true,"count":3}
     *   put ectl/x 1 -w json  {"header":{"cluster_id":...,"member_id":...,"revision":6,"raft_term":2}}
     *   put ectl/a 12 --prev-kv                      OK\nectl/a\n11\n
     *   del ectl/a                                   1\n
     *   del ectl/none                                0\n
     *   del ectl/ --prefix --prev-kv                 3\nectl/b\n2\nectl/c\n3\nectl/x\n1\n
     *   del ectl/d -w json    {"header":{...},"deleted":1}
     */
    @Test
    void putGetAndDelWithTheirFlags() {
        Etcdctl ctl = ctl();
        ctl.run("del", "ectl/kv/", "--prefix");
        long r1 = put(ctl, "ectl/kv/a", "1");
        assertEquals(ok("OK\n"), ctl.run("put", "ectl/kv/b", "2"));
        assertEquals(ok("OK\n"), ctl.run("put", "ectl/kv/c", "3"));
        assertEquals(ok("OK\nectl/kv/a\n1\n"), ctl.run("put", "ectl/kv/a", "11", "--prev-kv"));

        assertEquals(ok("ectl/kv/a\n11\n"), ctl.run("get", "ectl/kv/a"));
        assertEquals(ok("ectl/kv/a\n1\n"), ctl.run("get", "ectl/kv/a", "--rev", String.valueOf(r1)));
        assertEquals(ok("ectl/kv/a\n11\nectl/kv/b\n2\nectl/kv/c\n3\n"), ctl.run("get", "ectl/kv/", "--prefix"));
        assertEquals(ok("ectl/kv/a\n11\nectl/kv/b\n2\n"), ctl.run("get", "ectl/kv/", "--prefix", "--limit", "2"));
        assertEquals(ok("ectl/kv/c\n3\nectl/kv/b\n2\nectl/kv/a\n11\n"),
                ctl.run("get", "ectl/kv/", "--prefix", "--sort-by=VALUE", "--order=DESCEND"));
        assertEquals(ok("ectl/kv/b\n\nectl/kv/c\n\nectl/kv/a\n\n"),
                ctl.run("get", "ectl/kv/", "--prefix", "--sort-by=MODIFY", "--order=ASCEND", "--keys-only"));
        assertEquals(ok("ectl/kv/c\n3\nectl/kv/b\n2\nectl/kv/a\n11\n"),
                ctl.run("get", "ectl/kv/", "--prefix", "--sort-by=KEY", "--order=DESCEND"));
        assertEquals(ok("3\n2\n11\n"),
                ctl.run("get", "ectl/kv/", "--prefix", "--sort-by=CREATE", "--order=DESCEND", "--print-value-only"));
        // Sorted before the limit: the one key at version 2.
        assertEquals(ok("ectl/kv/a\n11\n"),
                ctl.run("get", "ectl/kv/", "--prefix", "--sort-by=VERSION", "--order=DESCEND", "--limit", "1"));
        assertEquals(ok("11\n2\n3\n"), ctl.run("get", "ectl/kv/", "--prefix", "--print-value-only"));
        assertEquals(ok(""), ctl.run("get", "ectl/kv/none"));

        Etcdctl.Result one = ctl.run("get", "ectl/kv/a", "-w", "json");
        assertEquals(ok("{" + Forms.HEADER + ",\"kvs\":[{\"key\":\"" + b64("ectl/kv/a") + "\",\"create_revision\":N,"
                + "\"mod_revision\":N,\"version\":2,\"value\":\"" + b64("11") + "\"}],\"count\":1}\n"),
                Forms.json(one), one.toString());
        JsonNode kv = json(one).path("kvs").get(0);
        assertEquals(r1, kv.path("create_revision").asLong(), one.out());
        assertTrue(kv.path("mod_revision").asLong() > r1, one.out());
        Etcdctl.Result counted = ctl.run("get", "ectl/kv/", "--prefix", "-w", "json", "--limit", "1");
        assertEquals(ok("{" + Forms.HEADER + ",\"kvs\":[{\"key\":\"" + b64("ectl/kv/a") + "\",\"create_revision\":N,"
                + "\"mod_revision\":N,\"version\":2,\"value\":\"" + b64("11") + "\"}],\"more\":true,\"count\":3}\n"),
                Forms.json(counted), counted.toString());

        assertEquals(ok("1\n"), ctl.run("del", "ectl/kv/a"));
        assertEquals(ok("0\n"), ctl.run("del", "ectl/kv/none"));
        assertEquals(ok("2\nectl/kv/b\n2\nectl/kv/c\n3\n"), ctl.run("del", "ectl/kv/", "--prefix", "--prev-kv"));
        assertEquals(ok("OK\n"), ctl.run("put", "ectl/kv/d", "4"));
        Etcdctl.Result del = ctl.run("del", "ectl/kv/d", "-w", "json");
        assertEquals(ok("{" + Forms.HEADER + ",\"deleted\":1}\n"), Forms.json(del), del.toString());
        assertEquals(ok(""), ctl.run("get", "ectl/kv/", "--prefix"));
    }

    /*
     * etcd 3.4.23, `txn -i` (the prompts go to stdout, before the answer):
     *   compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\nSUCCESS\n\nOK\n\nectl/t\nnew\n
     *   ...FAILURE\n\nectl/t\nnew\n\n0\n                    (failure ops: get ectl/t, del ectl/none)
     *   -w json: {"header":{...},"succeeded":true,"responses":[{"Response":{"ResponseDeleteRange":{"header":
     *            {"revision":15},"deleted":1,"prev_kvs":[{"key":"ZWN0bC90Mg==","create_revision":14,
     *            "mod_revision":14,"version":1,"value":"eA=="}]}}}]}
     *   a bad compare: exit 3, stdout "compares:\n", stderr
     *            Error: malformed comparison: value(ectl/t) == 1; got value("")  ""
     */
    @Test
    void txnReadsItsCompareAndOpsFromInteractiveStdin() {
        Etcdctl ctl = ctl();
        String prompts = "compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n";
        ctl.run("del", "ectl/tx/", "--prefix");
        assertEquals(ok("OK\n"), ctl.run("put", "ectl/tx/k", "old"));
        String script = "value(\"ectl/tx/k\") = \"old\"\n\nput ectl/tx/k new\nget ectl/tx/k\n\n"
                + "get ectl/tx/k\ndel ectl/tx/none\n\n";
        assertEquals(ok(prompts + "SUCCESS\n\nOK\n\nectl/tx/k\nnew\n"), ctl.runWithInput(script, "txn", "-i"));
        assertEquals(ok(prompts + "FAILURE\n\nectl/tx/k\nnew\n\n0\n"), ctl.runWithInput(script, "txn", "-i"));

        String compares = "mod(\"ectl/tx/k\") > \"0\"\nversion(\"ectl/tx/k\") = \"2\"\ncreate(\"ectl/tx/k\") > \"0\"\n"
                + "value(\"ectl/tx/k\") != \"old\"\n\nput ectl/tx/k2 x\n\n\n";
        assertEquals(ok(prompts + "SUCCESS\n\nOK\n"), ctl.runWithInput(compares, "txn", "-i"));

        Etcdctl.Result j = ctl.runWithInput("value(\"ectl/tx/k\") = \"new\"\n\ndel ectl/tx/k2 --prev-kv\n\n\n",
                "txn", "-i", "-w", "json");
        assertEquals(ok(prompts + "{" + Forms.HEADER + ",\"succeeded\":true,\"responses\":[{\"Response\":"
                + "{\"ResponseDeleteRange\":{\"header\":{\"revision\":N},\"deleted\":1,\"prev_kvs\":[{\"key\":\""
                + b64("ectl/tx/k2") + "\",\"create_revision\":N,\"mod_revision\":N,\"version\":1,\"value\":\""
                + b64("x") + "\"}]}}}]}\n"), Forms.json(j), j.toString());

        Etcdctl.Result bad = ctl.runWithInput("value(ectl/tx/k) == 1\n\n\n", "txn", "-i");
        assertEquals(3, bad.exit(), bad.toString());
        assertEquals("compares:\n", bad.out());
        assertEquals("Error: malformed comparison: value(ectl/tx/k) == 1; got value(\"\")  \"\"", bad.lastErrLine());
        // Without -i the same stdin, without the prompts.
        assertEquals(ok("SUCCESS\n\nOK\n"),
                ctl.runWithInput("value(\"ectl/tx/k\") = \"new\"\n\nput ectl/tx/k newer\n\n\n", "txn"));
        ctl.run("del", "ectl/tx/", "--prefix");
    }

    /*
     * etcd 3.4.23, watches opened before put ectl/w/a 1, put ectl/w/a 2, del ectl/w/a, put ectl/w/b x:
     *   watch ectl/w/ --prefix --prev-kv    PUT\nectl/w/a\n1\nPUT\nectl/w/a\n1\nectl/w/a\n2\n
     *                                       DELETE\nectl/w/a\n2\nectl/w/a\n\nPUT\nectl/w/b\nx\n
     *                                       (prev kv first, then the event's kv; a deleted kv has an empty value)
     *   watch ectl/w/a --rev 1              PUT\nectl/w/a\n1\nPUT\nectl/w/a\n2\nDELETE\nectl/w/a\n\n
     *   watch ectl/w/ --prefix -w json, one line per response:
     *     {"Header":{"cluster_id":...,"member_id":...,"revision":17,"raft_term":2},"Events":[{"kv":{"key":
     *     "ZWN0bC93L2E=","create_revision":17,"mod_revision":17,"version":1,"value":"MQ=="}}],
     *     "CompactRevision":0,"Canceled":false,"Created":false}
     *     a delete: "Events":[{"type":1,"kv":{"key":"ZWN0bC93L2E=","mod_revision":19}}]
     */
    @Test
    void watchPrintsEventsFromARevisionWithPreviousValuesAndAsJson() {
        Etcdctl ctl = ctl();
        ctl.run("del", "ectl/w", "--prefix");
        long from = put(ctl, "ectl/w0/marker", "0") + 1;
        try (Etcdctl.Background prefix = ctl.start("watch", "ectl/w/", "--prefix", "--prev-kv", "--rev",
                String.valueOf(from));
             Etcdctl.Background single = ctl.start("watch", "ectl/w/a", "--rev", String.valueOf(from));
             Etcdctl.Background now = ctl.start("watch", "ectl/wj/", "--prefix", "-w", "json")) {
            // A watch "from now" shows nothing of what came before it: write until it shows, then once more.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
                ctl.run("put", "ectl/wj/ready", "1");
                return now.out().contains(b64("ectl/wj/ready"));
            });
            assertEquals(ok("OK\n"), ctl.run("put", "ectl/w/a", "1"));
            assertEquals(ok("OK\n"), ctl.run("put", "ectl/w/a", "2"));
            assertEquals(ok("1\n"), ctl.run("del", "ectl/w/a"));
            assertEquals(ok("OK\n"), ctl.run("put", "ectl/w/b", "x"));
            assertEquals(ok("OK\n"), ctl.run("put", "ectl/wj/a", "1"));
            assertEquals(ok("1\n"), ctl.run("del", "ectl/wj/a"));

            String expected = "PUT\nectl/w/a\n1\nPUT\nectl/w/a\n1\nectl/w/a\n2\nDELETE\nectl/w/a\n2\nectl/w/a\n\n"
                    + "PUT\nectl/w/b\nx\n";
            assertEquals(expected, prefix.awaitOut(Duration.ofSeconds(10), o -> o.length() >= expected.length()));
            String single1 = "PUT\nectl/w/a\n1\nPUT\nectl/w/a\n2\nDELETE\nectl/w/a\n\n";
            assertEquals(single1, single.awaitOut(Duration.ofSeconds(10), o -> o.length() >= single1.length()));
            List<String> lines = now.awaitOut(Duration.ofSeconds(10), o -> o.contains("\"type\":1")).lines()
                    .map(Forms::json).toList();
            String header = "{\"Header\":{\"cluster_id\":N,\"member_id\":N,\"revision\":N,\"raft_term\":N},";
            String tail = ",\"CompactRevision\":0,\"Canceled\":false,\"Created\":false}";
            assertEquals(List.of(header + "\"Events\":[{\"kv\":{\"key\":\"" + b64("ectl/wj/a") + "\","
                    + "\"create_revision\":N,\"mod_revision\":N,\"version\":1,\"value\":\"" + b64("1") + "\"}}]" + tail,
                    header + "\"Events\":[{\"type\":1,\"kv\":{\"key\":\"" + b64("ectl/wj/a") + "\","
                    + "\"mod_revision\":N}}]" + tail), lines.subList(lines.size() - 2, lines.size()), now.out());
            assertTrue(prefix.isAlive() && single.isAlive() && now.isAlive());
        }
        ctl.run("del", "ectl/w", "--prefix");
    }

    /**
     * One etcdctl watch, given every member, keeps printing events across a SIGKILL of the leader (the member it is
     * given first) and its restart: clientv3 resumes the stream elsewhere from the next revision. As etcd 3.4.23 did:
     * the first put after the kill failed ("Error: etcdserver: request timed out"), the watch printed every later one.
     */
    @Test
    void aWatchKeepsPrintingEventsAcrossAKillOfTheLeader() throws Exception {
        int leader = leaderId();
        List<String> eps = new ArrayList<>(List.of(endpointOf(leader)));
        endpointList().stream().filter(e -> !e.equals(endpointOf(leader))).forEach(eps::add);
        Etcdctl ctl = ctl().against(String.join(",", eps));
        long from = put(ctl, "ectl/fo/start", "0");
        boolean killed = false;
        boolean restarted = false;
        try (Etcdctl.Background watch = ctl.start("watch", "ectl/fo/", "--prefix", "--rev", String.valueOf(from))) {
            watch.awaitOut(Duration.ofSeconds(10), o -> o.equals("PUT\nectl/fo/start\n0\n"));
            killed = true;
            kill(leader);
            for (int i = 1; i <= 3; i++) {
                String[] put = {"put", "ectl/fo/after" + i, "v" + i};
                // A put that timed out may have been applied: it is retried, and shows twice at most.
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> ctl.run(put).exit() == 0);
            }
            watch.awaitOut(Duration.ofSeconds(20), o -> o.contains("ectl/fo/after3\n"));
            restart(leader);
            restarted = true;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> ctl.run("put", "ectl/fo/back", "1").exit() == 0);
            String out = watch.awaitOut(Duration.ofSeconds(20), o -> o.contains("ectl/fo/back\n1\n"));
            assertTrue(watch.isAlive(), watch.toString());
            assertEquals("PUT\nectl/fo/start\n0\nPUT\nectl/fo/after1\nv1\nPUT\nectl/fo/after2\nv2\n"
                    + "PUT\nectl/fo/after3\nv3\nPUT\nectl/fo/back\n1\n", Forms.withoutRepeatedEvents(out), out);
        } finally {
            if (killed && !restarted) {
                restart(leader);
            }
        }
        ctl().run("del", "ectl/fo/", "--prefix");
    }

    /*
     * etcd 3.4.23 (lease ids are printed %016x):
     *   lease grant 60                     lease 572fa230ad2adb0f granted with TTL(60s)
     *   lease keep-alive --once ID         lease 572fa230ad2adb0f keepalived with TTL(60)
     *   lease timetolive ID                lease 572fa230ad2adb0f granted with TTL(60s), remaining(59s)
     *   lease timetolive ID --keys         ..., remaining(59s), attached keys([ectl/l1 ectl/l2])   (in any order)
     *   lease list                         found 1 leases\n572fa230ad2adb0f\n
     *   lease revoke ID                    lease 572fa230ad2adb0f revoked
     *   lease timetolive ID (after)        lease 572fa230ad2adb0f already expired      (exit 0, with --keys too)
     *   lease keep-alive --once ID (after) exit 2, Error: etcdserver: requested lease not found
     *   lease revoke ID (after)            exit 1,
     *                                      Error: failed to revoke lease (etcdserver: requested lease not found)
     *   put k v --lease ID (after)         exit 1, Error: etcdserver: requested lease not found
     *   -w json: grant {"cluster_id":...,"member_id":...,"revision":22,"raft_term":2,"ID":1778255757828605458,
     *                   "TTL":60,"Error":""}
     *            keep-alive --once {"cluster_id":...,"member_id":...,"revision":22,"raft_term":2,"ID":...,"TTL":60}
     *            timetolive --keys {"cluster_id":...,"revision":22,"raft_term":2,"id":...,"ttl":59,"granted-ttl":60,
     *                   "keys":["ZWN0bC9sMQ==","ZWN0bC9sMg=="]}
     *            list {"cluster_id":...,"revision":22,"raft_term":2,"leases":[{"id":6282418335152528143}]}
     *   lease keep-alive ID (TTL 3), revoked after 4.5 s: four "lease ID keepalived with TTL(3)" lines, then
     *            "lease ID expired or revoked." and exit 0.
     */
    @Test
    void leasesGrantKeepAliveTimeToLiveListAndRevoke() {
        Etcdctl ctl = ctl();
        Etcdctl.Result grant = ctl.run("lease", "grant", "60");
        Matcher m = Pattern.compile("lease ([0-9a-f]{16}) granted with TTL\\(60s\\)\n").matcher(grant.out());
        assertTrue(grant.exit() == 0 && m.matches() && grant.err().isEmpty(), grant.toString());
        String id = m.group(1);
        long decimal = Long.parseUnsignedLong(id, 16);
        assertEquals(ok("OK\n"), ctl.run("put", "ectl/l/1", "v", "--lease=" + id));
        assertEquals(ok("OK\n"), ctl.run("put", "ectl/l/2", "v", "--lease", id));
        assertEquals(ok("lease " + id + " keepalived with TTL(60)\n"), ctl.run("lease", "keep-alive", "--once", id));

        Etcdctl.Result ttl = ctl.run("lease", "timetolive", id);
        assertTrue(ttl.exit() == 0 && ttl.out().matches("lease " + id + " granted with TTL\\(60s\\), remaining\\("
                + "(60|59|58|57|56|55)s\\)\n"), ttl.toString());
        Etcdctl.Result keys = ctl.run("lease", "timetolive", id, "--keys");
        assertTrue(keys.exit() == 0 && keys.out().matches("lease " + id + " granted with TTL\\(60s\\), remaining\\("
                + "\\d+s\\), attached keys\\(\\[(ectl/l/1 ectl/l/2|ectl/l/2 ectl/l/1)\\]\\)\n"), keys.toString());

        Etcdctl.Result list = ctl.run("lease", "list");
        List<String> listed = list.out().lines().toList();
        assertEquals(0, list.exit(), list.toString());
        assertEquals("found " + (listed.size() - 1) + " leases", listed.get(0), list.out());
        assertTrue(listed.subList(1, listed.size()).stream().allMatch(l -> l.matches("[0-9a-f]{16}"))
                && listed.contains(id), list.out());

        Etcdctl.Result grantJson = ctl.run("lease", "grant", "60", "-w", "json");
        assertEquals(ok("{" + Forms.FLAT_HEADER + ",\"ID\":N,\"TTL\":60,\"Error\":\"\"}\n"), Forms.json(grantJson),
                grantJson.toString());
        String other = String.format("%016x", json(grantJson).path("ID").asLong());
        Etcdctl.Result kaJson = ctl.run("lease", "keep-alive", "--once", id, "-w", "json");
        assertEquals(ok("{" + Forms.FLAT_HEADER + ",\"ID\":N,\"TTL\":60}\n"), Forms.json(kaJson), kaJson.toString());
        assertEquals(decimal, json(kaJson).path("ID").asLong());
        Etcdctl.Result ttlJson = ctl.run("lease", "timetolive", id, "--keys", "-w", "json");
        // The attached keys come in no particular order (etcd 3.4.23 gave both).
        String k1 = "\"" + b64("ectl/l/1") + "\"";
        String k2 = "\"" + b64("ectl/l/2") + "\"";
        assertEquals(ok("{" + Forms.FLAT_HEADER + ",\"id\":N,\"ttl\":N,\"granted-ttl\":60,\"keys\":[" + k1 + ","
                + k2 + "]}\n"), new Etcdctl.Result(ttlJson.exit(),
                Forms.json(ttlJson.out()).replace(k2 + "," + k1, k1 + "," + k2), ttlJson.err()), ttlJson.toString());
        Etcdctl.Result listJson = ctl.run("lease", "list", "-w", "json");
        assertTrue(Forms.json(listJson.out()).matches("\\{" + Pattern.quote(Forms.FLAT_HEADER)
                + ",\"leases\":\\[\\{\"id\":N\\}(,\\{\"id\":N\\})*\\]\\}\n"), listJson.toString());

        assertEquals(ok("lease " + id + " revoked\n"), ctl.run("lease", "revoke", id));
        assertEquals(ok("lease " + other + " revoked\n"), ctl.run("lease", "revoke", other));
        assertEquals(ok(""), ctl.run("get", "ectl/l/", "--prefix"));
        assertEquals(ok("lease " + id + " already expired\n"), ctl.run("lease", "timetolive", id));
        assertEquals(ok("lease " + id + " already expired\n"), ctl.run("lease", "timetolive", id, "--keys"));
        assertFails(2, "Error: etcdserver: requested lease not found", ctl.run("lease", "keep-alive", "--once", id));
        assertFails(1, "Error: failed to revoke lease (etcdserver: requested lease not found)",
                ctl.run("lease", "revoke", id));
        assertFails(1, "Error: etcdserver: requested lease not found", ctl.run("put", "ectl/l/3", "v", "--lease", id));
        assertFalse(ctl.run("lease", "list").out().lines().anyMatch(id::equals));
    }

    @Test
    void aBackgroundKeepAliveRenewsUntilTheLeaseIsRevoked() {
        Etcdctl ctl = ctl();
        Etcdctl.Result grant = ctl.run("lease", "grant", "3");
        Matcher m = Pattern.compile("lease ([0-9a-f]{16}) granted with TTL\\(3s\\)\n").matcher(grant.out());
        assertTrue(grant.exit() == 0 && m.matches(), grant.toString());
        String id = m.group(1);
        String line = "lease " + id + " keepalived with TTL(3)\n";
        try (Etcdctl.Background keeper = ctl.start("lease", "keep-alive", id)) {
            // Renewed at once, then every TTL/3.
            keeper.awaitOut(Duration.ofSeconds(10), o -> o.startsWith(line + line));
            assertEquals(ok("lease " + id + " revoked\n"), ctl.run("lease", "revoke", id));
            assertEquals(0, keeper.awaitExit(Duration.ofSeconds(10)), keeper.toString());
            String out = keeper.out();
            assertTrue(out.matches("(" + Pattern.quote(line) + ")+" + Pattern.quote("lease " + id
                    + " expired or revoked.\n")), out);
            assertEquals("", keeper.err());
        }
    }

    /*
     * etcd 3.4.23 (members sorted by id; ids printed %x):
     *   member list         4f32ad5de53f26b8, started, e2, http://127.0.0.1:42480, http://127.0.0.1:42479, false
     *   member list -w json {"header":{"cluster_id":15607818387071354956,"member_id":5706814296621524664,
     *                       "raft_term":2},"members":[{"ID":5706814296621524664,"name":"e2","peerURLs":
     *                       ["http://127.0.0.1:42480"],"clientURLs":["http://127.0.0.1:42479"]},...]}
     *                       (no revision in the header; "isLearner":true only on a learner)
     *   member add ectl-learner --learner --peer-urls=http://127.0.0.1:42999   (ids printed %16x)
     *     Member 1a906c9d091fcc31 added to cluster d89a1c211832c84c
     *
     *     ETCD_NAME="ectl-learner"
     *     ETCD_INITIAL_CLUSTER="ectl-learner=http://127.0.0.1:42999,e2=http://127.0.0.1:42480,e1=...,e3=..."
     *     ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.1:42999"
     *     ETCD_INITIAL_CLUSTER_STATE="existing"
     *   member list then    1a906c9d091fcc31, unstarted, , http://127.0.0.1:42999, , true
     *   a second learner    exit 1, Error: etcdserver: too many learner members in cluster
     *   member promote (the learner never started)
     *                       exit 1, Error: etcdserver: can only promote a learner member which is in sync with leader
     *   member promote (a voter)  exit 1, Error: etcdserver: can only promote a learner member
     *   member remove ID    Member 1a906c9d091fcc31 removed from cluster d89a1c211832c84c
     *   again               exit 1, Error: etcdserver: member not found
     */
    static final String MEMBER_TABLE = """
            +------------------+-----------+------+------------------------+------------------------+------------+
            |        ID        |  STATUS   | NAME |       PEER ADDRS       |      CLIENT ADDRS      | IS LEARNER |
            +------------------+-----------+------+------------------------+------------------------+------------+
            | 1a906c9d091fcc31 | unstarted |      | http://127.0.0.1:42999 |                        |       true |
            | 4f32ad5de53f26b8 |   started |   e2 | http://127.0.0.1:42480 | http://127.0.0.1:42479 |      false |
            | 8f0b5e95c34018ad |   started |   e1 | http://127.0.0.1:42380 | http://127.0.0.1:42379 |      false |
            | b6711b1a6966d72f |   started |   e3 | http://127.0.0.1:42580 | http://127.0.0.1:42579 |      false |
            +------------------+-----------+------+------------------------+------------------------+------------+
            """;

    /** A member as {@code member list -w json} gives it. */
    record Member(long id, String name, String peer, String client, boolean learner) {
        String simple() {
            return String.format("%x, %s, %s, %s, %s, %s", id, name.isEmpty() ? "unstarted" : "started", name, peer,
                    client, learner);
        }

        String tableRow() {
            return String.format("| %x | %s | %s | %s | %s | %s |", id, name.isEmpty() ? "unstarted" : "started",
                    name, peer, client, learner);
        }
    }

    private List<Member> members(Etcdctl ctl) {
        JsonNode list = json(ctl.run("member", "list", "-w", "json"));
        List<Member> members = new ArrayList<>();
        for (JsonNode m : list.path("members")) {
            members.add(new Member(m.path("ID").asLong(), m.path("name").asText(),
                    String.join(",", texts(m.path("peerURLs"))), String.join(",", texts(m.path("clientURLs"))),
                    m.path("isLearner").asBoolean()));
        }
        return members;
    }

    private static List<String> texts(JsonNode array) {
        List<String> t = new ArrayList<>();
        array.forEach(x -> t.add(x.asText()));
        return t;
    }

    private static String table(String header, List<String> rows) {
        String border = "+" + "-+".repeat(header.split("\\|", -1).length - 2);
        return border + "\n" + header + "\n" + border + "\n" + rows.stream().map(r -> r + "\n")
                .collect(Collectors.joining()) + border + "\n";
    }

    @Test
    void memberListAddAsLearnerPromoteAndRemove() throws Exception {
        Etcdctl ctl = ctl();
        Etcdctl.Result asJson = ctl.run("member", "list", "-w", "json");
        String norm = Forms.json(asJson.out());
        assertTrue(norm.matches("\\{\"header\":\\{\"cluster_id\":N,\"member_id\":N,(\"revision\":N,)?"
                + "\"raft_term\":N\\},"
                + "\"members\":\\[(\\{\"ID\":N,\"name\":\"[^\"]+\",\"peerURLs\":\\[\"http://[^\"]+\"\\],"
                + "\"clientURLs\":\\[\"http://[^\"]+\"\\]\\},?){3}\\]\\}\n") && !norm.contains("},]"),
                asJson.toString());
        long clusterId = json(asJson).path("header").path("cluster_id").asLong();
        List<Member> voters = members(ctl);
        assertEquals(endpointList().stream().sorted().toList(), voters.stream().map(Member::client).sorted().toList());
        assertEquals(voters.stream().sorted((a, b) -> Long.compareUnsigned(a.id(), b.id())).toList(), voters,
                "etcd lists the members by id");
        assertEquals(ok(voters.stream().map(v -> v.simple() + "\n").collect(Collectors.joining())),
                ctl.run("member", "list"));
        String header = "| ID | STATUS | NAME | PEER ADDRS | CLIENT ADDRS | IS LEARNER |";
        assertEquals(Forms.table(MEMBER_TABLE).lines().toList().get(1), header);
        Etcdctl.Result table = ctl.run("member", "list", "-w", "table");
        assertEquals(ok(table(header, voters.stream().map(Member::tableRow).toList())),
                new Etcdctl.Result(table.exit(), Forms.table(table.out()), table.err()), table.toString());

        // etcd takes in a member before it starts ("unstarted"); raftkv (Ratis) makes every membership change
        // wait until a new member has caught up, so it refuses one that nothing answers for, at once.
        String nobody = "http://127.0.0.1:" + TestCluster.freePort();
        Etcdctl.Result unstarted = ctl.run("member", "add", "ectl-nobody", "--learner", "--peer-urls=" + nobody);
        assertEquals(1, unstarted.exit(), unstarted.toString());
        // (etcdctl shows an error it does not know as etcd's with its gRPC code)
        assertTrue(unstarted.lastErrLine().startsWith("Error: rpc error: code = FailedPrecondition desc = raftkv: "
                + "no member answers at " + nobody), unstarted.toString());

        TestCluster.Joining joining = cluster.startJoiningNode();
        String peer = joining.peerUrl();
        Etcdctl.Result[] added = {null};
        // Until the joining node's Raft server listens, the add is refused as above.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            added[0] = ctl.run("member", "add", "ectl-learner", "--learner", "--peer-urls=" + peer);
            return !added[0].lastErrLine().contains("raftkv: no member answers");
        });
        Etcdctl.Result add = added[0];
        Matcher m = Pattern.compile("Member +([0-9a-f]+) added to cluster +([0-9a-f]+)\n[\\s\\S]*")
                .matcher(add.out());
        assertTrue(add.exit() == 0 && m.matches(), add.toString());
        long learnerId = Long.parseUnsignedLong(m.group(1), 16);
        assertEquals(joining.process().id(), learnerId);
        boolean removed = false;
        try {
            List<Member> all = members(ctl);
            Member learner = all.stream().filter(x -> x.id() == learnerId).findFirst().orElseThrow();
            // Started already, so it has its name; it was added without a client URL.
            assertEquals(new Member(learnerId, "node-" + learnerId, peer, "", true), learner, all.toString());
            String initialCluster = all.stream()
                    .map(x -> (x.id() == learnerId ? "ectl-learner" : x.name()) + "=" + x.peer())
                    .collect(Collectors.joining(","));
            assertEquals(ok(String.format("Member %16x added to cluster %16x\n", learnerId, clusterId) + "\n"
                    + "ETCD_NAME=\"ectl-learner\"\n"
                    + "ETCD_INITIAL_CLUSTER=\"" + initialCluster + "\"\n"
                    + "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"" + peer + "\"\n"
                    + "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n"), add);
            assertEquals(ok(all.stream().map(x -> x.simple() + "\n").collect(Collectors.joining())),
                    ctl.run("member", "list"));
            Etcdctl.Result withLearner = ctl.run("member", "list", "-w", "table");
            assertEquals(table(header, all.stream().map(Member::tableRow).toList()), Forms.table(withLearner.out()));
            assertTrue(Forms.table(withLearner.out()).contains(String.format("| %x | started | node-%d | %s |  | true |",
                    learnerId, learnerId, peer)), withLearner.out());

            assertFails(1, "Error: etcdserver: can only promote a learner member",
                    ctl.run("member", "promote", Long.toHexString(voters.get(0).id())));

            assertEquals(ok(String.format("Member %16x removed from cluster %16x\n", learnerId, clusterId)),
                    ctl.run("member", "remove", Long.toHexString(learnerId)));
            removed = true;
            assertFails(1, "Error: etcdserver: member not found",
                    ctl.run("member", "remove", Long.toHexString(learnerId)));
            assertEquals(ok(voters.stream().map(v -> v.simple() + "\n").collect(Collectors.joining())),
                    ctl.run("member", "list"));
        } finally {
            if (!removed) {
                ctl.run("member", "remove", Long.toHexString(learnerId));
            }
            cluster.retire(joining.process());
        }
    }

    /*
     * etcd 3.4.23:
     *   endpoint status      http://127.0.0.1:42379, 8f0b5e95c34018ad, 3.4.23, 25 kB, false, false, 2, 44, 44,
     *                        (endpoint, member id %x, version, db size humanized, is leader, is learner, raft term,
     *                        raft index, raft applied index, errors joined: the line ends ", "), endpoints in the
     *                        order given
     *   endpoint status -w json [{"Endpoint":"http://127.0.0.1:42379","Status":{"header":{"cluster_id":...,
     *                        "member_id":...,"revision":23,"raft_term":2},"version":"3.4.23","dbSize":24576,
     *                        "leader":5706814296621524664,"raftIndex":44,"raftTerm":2,"raftAppliedIndex":44,
     *                        "dbSizeInUse":20480}},...]
     *   endpoint health      nothing on stdout; on stderr, in any order:
     *                        http://127.0.0.1:42579 is healthy: successfully committed proposal: took = 3.541433ms
     *   endpoint health -w json [{"endpoint":"http://127.0.0.1:42479","health":true,"took":"4.169804ms"},...]
     *   endpoint hashkv      http://127.0.0.1:42379, 1246927912   (the same hash on every member)
     *   endpoint hashkv -w json [{"Endpoint":"http://127.0.0.1:42379","HashKV":{"header":{...},"hash":1246927912,
     *                        "compact_revision":-1}},...]
     */
    static final String STATUS_TABLE = """
            +------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
            |        ENDPOINT        |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |
            +------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
            | http://127.0.0.1:42379 | 8f0b5e95c34018ad |  3.4.23 |   25 kB |     false |      false |         2 |         44 |                 44 |        |
            | http://127.0.0.1:42479 | 4f32ad5de53f26b8 |  3.4.23 |   25 kB |      true |      false |         2 |         44 |                 44 |        |
            | http://127.0.0.1:42579 | b6711b1a6966d72f |  3.4.23 |   25 kB |     false |      false |         2 |         44 |                 44 |        |
            +------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
            """;
    static final String HASHKV_TABLE = """
            +------------------------+------------+
            |        ENDPOINT        |    HASH    |
            +------------------------+------------+
            | http://127.0.0.1:42379 | 1246927912 |
            | http://127.0.0.1:42479 | 1246927912 |
            | http://127.0.0.1:42579 | 1246927912 |
            +------------------------+------------+
            """;

    @Test
    void endpointStatusHealthAndHashkv() {
        Etcdctl ctl = ctl();
        List<String> eps = endpointList();
        Map<String, Long> idOf = new LinkedHashMap<>();
        members(ctl).forEach(x -> idOf.put(x.client(), x.id()));
        String leader = endpointOf(leaderId());
        Forms.Col[] statusCols = {null, Forms.Col.ID, Forms.Col.VERSION, Forms.Col.SIZE, null, null, Forms.Col.NUMBER,
                Forms.Col.NUMBER, Forms.Col.NUMBER, null};
        List<String> statusRows = eps.stream().map(e -> String.join(", ", e, "<ID>", "<VERSION>", "<SIZE>",
                String.valueOf(e.equals(leader)), "false", "<N>", "<N>", "<N>", "")).toList();

        Etcdctl.Result simple = ctl.run("endpoint", "status");
        assertEquals(ok(statusRows.stream().map(r -> r + "\n").collect(Collectors.joining())),
                new Etcdctl.Result(simple.exit(), Forms.rows(simple.out(), ", ", statusCols), simple.err()),
                simple.toString());
        for (String line : simple.out().lines().toList()) {
            String[] cells = line.split(", ", -1);
            assertEquals(Long.toHexString(idOf.get(cells[0])), cells[1], "the member id of " + cells[0]);
        }

        String statusHeader = "| ENDPOINT | ID | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX"
                + " | RAFT APPLIED INDEX | ERRORS |";
        assertEquals(statusHeader, Forms.table(STATUS_TABLE).lines().toList().get(1));
        Etcdctl.Result table = ctl.run("endpoint", "status", "-w", "table");
        assertEquals(ok(table(statusHeader, statusRows.stream().map(r -> "| " + r.replace(", ", " | ") + " |")
                        .toList())),
                new Etcdctl.Result(table.exit(), Forms.table(table.out(), statusCols), table.err()), table.toString());

        Etcdctl.Result status = ctl.run("endpoint", "status", "-w", "json");
        assertEquals(ok("[" + eps.stream().map(e -> "{\"Endpoint\":\"" + e + "\",\"Status\":{" + Forms.HEADER
                + ",\"version\":\"V\",\"dbSize\":N,\"leader\":N,\"raftIndex\":N,\"raftTerm\":N,\"raftAppliedIndex\":N,"
                + "\"dbSizeInUse\":N}}").collect(Collectors.joining(",")) + "]\n"),
                Forms.json(status), status.toString());
        for (JsonNode s : json(status)) {
            JsonNode st = s.path("Status");
            assertEquals(idOf.get(leader).longValue(), st.path("leader").asLong(), status.out());
            assertEquals(idOf.get(s.path("Endpoint").asText()).longValue(),
                    st.path("header").path("member_id").asLong(), status.out());
            assertEquals(st.path("raftTerm").asLong(), st.path("header").path("raft_term").asLong(), status.out());
            assertTrue(st.path("raftAppliedIndex").asLong() > 0 && st.path("dbSizeInUse").asLong() > 0, status.out());
        }

        Etcdctl.Result health = ctl.run("endpoint", "health");
        assertEquals(0, health.exit(), health.toString());
        assertEquals("", health.out());
        assertEquals(eps.stream().map(e -> e + " is healthy: successfully committed proposal: took = <D>").sorted()
                .toList(), health.err().lines().map(Forms::durations).sorted().toList(), health.toString());
        Etcdctl.Result healthJson = ctl.run("endpoint", "health", "-w", "json");
        assertEquals(eps.stream().map(e -> "{\"endpoint\":\"" + e + "\",\"health\":true,\"took\":\"D\"}").sorted()
                .toList(), Arrays.stream(Forms.json(healthJson.out()).trim().replaceAll("^\\[|\\]$", "")
                .split("(?<=}),")).sorted().toList(), healthJson.toString());

        // Every member at the same revision gives the same hash.
        Forms.Col[] hashCols = {null, Forms.Col.NUMBER};
        String[] hashes = {null};
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Etcdctl.Result h = ctl.run("endpoint", "hashkv");
            assertEquals(ok(eps.stream().map(e -> e + ", <N>\n").collect(Collectors.joining())),
                    new Etcdctl.Result(h.exit(), Forms.rows(h.out(), ", ", hashCols), h.err()), h.toString());
            hashes[0] = h.out();
            return h.out().lines().map(l -> l.split(", ")[1]).distinct().count() == 1;
        });
        String hashHeader = "| ENDPOINT | HASH |";
        assertEquals(hashHeader, Forms.table(HASHKV_TABLE).lines().toList().get(1));
        Etcdctl.Result hashTable = ctl.run("endpoint", "hashkv", "-w", "table");
        assertEquals(ok(table(hashHeader, eps.stream().map(e -> "| " + e + " | <N> |").toList())),
                new Etcdctl.Result(hashTable.exit(), Forms.table(hashTable.out(), hashCols), hashTable.err()),
                hashTable.toString());
        Etcdctl.Result hashJson = ctl.run("endpoint", "hashkv", "-w", "json");
        assertEquals(ok("[" + eps.stream().map(e -> "{\"Endpoint\":\"" + e + "\",\"HashKV\":{" + Forms.HEADER
                + ",\"hash\":N,\"compact_revision\":N}}").collect(Collectors.joining(",")) + "]\n"),
                Forms.json(hashJson), hashJson.toString());
        assertNotEquals(0, json(hashJson).get(0).path("HashKV").path("hash").asLong(), hashes[0]);
    }

    /*
     * etcd 3.4.23:
     *   snapshot save FILE (one endpoint)   stdout "Snapshot saved at FILE\n" (its progress is logged on stderr)
     *   snapshot save FILE (several)        exit 5, Error: snapshot must be requested to one selected node, not
     *                                       multiple [http://127.0.0.1:42379 http://127.0.0.1:42479 ...]
     *   defrag                              Finished defragmenting etcd member[http://127.0.0.1:42379]
     *                                       (one line each, in the order given)
     *   alarm list / alarm disarm           nothing, exit 0;  -w json: {}
     *   compaction 25                       compacted revision 25
     *   get k --rev 24                      exit 1, Error: etcdserver: mvcc: required revision has been compacted
     *   compaction 25 (again)               exit 1, Error: etcdserver: mvcc: required revision has been compacted
     *   compaction 99999                    exit 1, Error: etcdserver: mvcc: required revision is a future revision
     *   watch k --rev 20                    exit 5, stderr: watch was canceled (etcdserver: mvcc: required revision
     *                                       has been compacted)\nError: watch is canceled by the server
     */
    @Test
    void snapshotDefragAlarmsAndCompaction(@TempDir Path dir) {
        Etcdctl ctl = ctl();
        List<String> eps = endpointList();
        Path file = dir.resolve("ectl.snap");
        Etcdctl.Result save = ctl.against(eps.get(0)).run("snapshot", "save", file.toString());
        assertEquals(0, save.exit(), save.toString());
        assertEquals("Snapshot saved at " + file + "\n", save.out());
        assertTrue(Files.isRegularFile(file) && file.toFile().length() > 0, save.toString());
        assertFalse(Files.exists(dir.resolve("ectl.snap.part")));
        assertFails(5, "Error: snapshot must be requested to one selected node, not multiple ["
                + String.join(" ", eps) + "]", ctl.run("snapshot", "save", dir.resolve("two.snap").toString()));

        assertEquals(ok(eps.stream().map(e -> "Finished defragmenting etcd member[" + e + "]\n")
                .collect(Collectors.joining())), ctl.run("defrag"));

        assertEquals(ok(""), ctl.run("alarm", "list"));
        assertEquals(ok(""), ctl.run("alarm", "disarm"));
        // etcd's AlarmResponse carries no header (printed "{}"); one with a header would do as well for a client.
        Etcdctl.Result alarms = ctl.run("alarm", "list", "-w", "json");
        assertEquals(ok("{}\n"), new Etcdctl.Result(alarms.exit(), Forms.json(alarms.out())
                .replaceAll("^\\{\"header\":\\{[^{}]*\\}\\}", "{}"), alarms.err()), alarms.toString());

        long first = put(ctl, "ectl/c/k", "a");
        long second = put(ctl, "ectl/c/k", "b");
        put(ctl, "ectl/c/k", "c");
        assertEquals(ok("compacted revision " + second + "\n"), ctl.run("compaction", String.valueOf(second)));
        assertFails(1, "Error: etcdserver: mvcc: required revision has been compacted",
                ctl.run("get", "ectl/c/k", "--rev", String.valueOf(first)));
        assertEquals(ok("ectl/c/k\nb\n"), ctl.run("get", "ectl/c/k", "--rev", String.valueOf(second)));
        assertFails(1, "Error: etcdserver: mvcc: required revision has been compacted",
                ctl.run("compaction", String.valueOf(second)));
        assertFails(1, "Error: etcdserver: mvcc: required revision is a future revision",
                ctl.run("compaction", String.valueOf(second + 1_000_000)));
        Etcdctl.Result watch = ctl.run("watch", "ectl/c/k", "--rev", String.valueOf(first));
        assertEquals(new Etcdctl.Result(5, "", "watch was canceled (etcdserver: mvcc: required revision has been"
                + " compacted)\nError: watch is canceled by the server\n"), watch);
        long third = put(ctl, "ectl/c/k", "d");
        assertEquals(ok("compacted revision " + third + "\n"), ctl.run("compaction", "--physical",
                String.valueOf(third)));
        ctl.run("del", "ectl/c/", "--prefix");
    }

    /*
     * etcd 3.4.23:
     *   lock ectl-lock          prints the holder's key and its (empty) value, "ectl-lock/26b8a230ad2adb21\n\n", and
     *                           holds until SIGINT/SIGTERM (then unlocks, exit 0); a second locker prints nothing
     *                           until then, and then its own key
     *   lock ectl-lock -- sh -c 'echo key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV; exit 3'
     *                           stdout "key=ectl-lock/18ada230ad2ac61d rev=33", exit 1, Error: exit status 3
     *   elect ectl-elect p1     "ectl-elect/18ada230ad2ac61f\np1\n", holds until a signal (resigns, exit 0)
     *   elect ectl-elect p2     nothing while p1 leads, then "ectl-elect/26b8a230ad2adb30\np2\n"
     *   elect -l ectl-elect     each leader in turn, key and proposal:
     *                           "ectl-elect/18ada...\np1\nectl-elect/26b8...\np2\n"
     */
    @Test
    void lockAndElect() {
        Etcdctl ctl = ctl();
        Pattern held = Pattern.compile("(ectl-lock/[0-9a-f]+)\n\n");
        try (Etcdctl.Background first = ctl.start("lock", "ectl-lock")) {
            Matcher m1 = held.matcher(first.awaitOut(Duration.ofSeconds(15), o -> !o.isEmpty()));
            assertTrue(m1.matches(), first.toString());
            // Started once the first holds the lock, so that it queues behind it.
            try (Etcdctl.Background second = ctl.start("lock", "ectl-lock")) {
                // Queued once its key shows beside the first's; and then it waits, printing nothing.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                        ctl.run("get", "ectl-lock/", "--prefix", "--keys-only").out().lines()
                                .filter(l -> !l.isEmpty()).count() == 2);
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
                        .until(() -> second.out().isEmpty());
                assertEquals(ok(m1.group(1) + "\n\n"), ctl.run("get", m1.group(1)));
                assertEquals(0, first.stop(), first.toString());
                Matcher m2 = held.matcher(second.awaitOut(Duration.ofSeconds(15), o -> !o.isEmpty()));
                assertTrue(m2.matches(), second.toString());
                assertNotEquals(m1.group(1), m2.group(1));
                assertEquals(ok(m2.group(1) + "\n\n"), ctl.run("get", "ectl-lock/", "--prefix"));
                assertEquals(0, second.stop(), second.toString());
                assertEquals(ok(""), ctl.run("get", "ectl-lock/", "--prefix"));
            }
        }

        Etcdctl.Result exec = ctl.run("lock", "ectl-lock", "--", "sh", "-c",
                "echo key=$ETCD_LOCK_KEY rev=$ETCD_LOCK_REV; exit 3");
        assertTrue(exec.out().matches("key=ectl-lock/[0-9a-f]+ rev=[1-9][0-9]*\n"), exec.toString());
        assertEquals(1, exec.exit(), exec.toString());
        assertEquals("Error: exit status 3", exec.lastErrLine());
        assertEquals(ok(""), ctl.run("get", "ectl-lock/", "--prefix"));

        Pattern leads = Pattern.compile("(ectl-elect/[0-9a-f]+)\n(p[12])\n");
        try (Etcdctl.Background p1 = ctl.start("elect", "ectl-elect", "p1")) {
            Matcher l1 = leads.matcher(p1.awaitOut(Duration.ofSeconds(15), o -> !o.isEmpty()));
            assertTrue(l1.matches() && l1.group(2).equals("p1"), p1.toString());
            try (Etcdctl.Background observer = ctl.start("elect", "-l", "ectl-elect");
                 Etcdctl.Background p2 = ctl.start("elect", "ectl-elect", "p2")) {
                assertEquals(l1.group(0), observer.awaitOut(Duration.ofSeconds(15), o -> !o.isEmpty()));
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                        ctl.run("get", "ectl-elect/", "--prefix", "--keys-only").out().lines()
                                .filter(l -> !l.isEmpty()).count() == 2);
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> p2.out().isEmpty());
                assertEquals(0, p1.stop(), p1.toString());
                Matcher l2 = leads.matcher(p2.awaitOut(Duration.ofSeconds(15), o -> !o.isEmpty()));
                assertTrue(l2.matches() && l2.group(2).equals("p2"), p2.toString());
                assertNotEquals(l1.group(1), l2.group(1));
                assertEquals(l1.group(0) + l2.group(0), observer.awaitOut(Duration.ofSeconds(15),
                        o -> o.length() > l1.group(0).length()));
                assertEquals(0, p2.stop(), p2.toString());
                assertTrue(observer.isAlive(), observer.toString());
            }
        }
        assertEquals(ok(""), ctl.run("get", "ectl-elect/", "--prefix"));
    }

    /**
     * Normalizers: etcdctl's output with what differs from run to run (and from etcd to raftkv) replaced by names,
     * once its form is checked, so that whole outputs can be compared.
     */
    static final class Forms {
        /** A response header in -w json, after {@link #json}: each field present, so none of them is zero. */
        static final String HEADER = "\"header\":{\"cluster_id\":N,\"member_id\":N,\"revision\":N,\"raft_term\":N}";
        static final String HEADER_ONLY = "{" + HEADER + "}";
        /** The header as lease responses print it (the Go struct embeds it). */
        static final String FLAT_HEADER = "\"cluster_id\":N,\"member_id\":N,\"revision\":N,\"raft_term\":N";

        private static final Pattern NUMBERS = Pattern.compile("\"(cluster_id|member_id|revision|raft_term"
                + "|create_revision|mod_revision|lease|ID|id|ttl|leader|dbSize|dbSizeInUse|raftIndex|raftTerm"
                + "|raftAppliedIndex|hash|compact_revision)\":-?\\d+");

        private Forms() {
        }

        /**
         * -w json output with ids, revisions, terms, indexes, sizes, hashes and remaining TTLs as {@code N}, the
         * server's version as {@code "V"} and durations as {@code "D"}. Fields set to zero are left out by
         * etcdctl's printer, so a missing field (a zero id, say) shows as a different form.
         */
        static String json(String out) {
            String s = NUMBERS.matcher(out).replaceAll("\"$1\":N");
            s = s.replaceAll("\"version\":\"[^\"]*\"", "\"version\":\"V\"");
            return s.replaceAll("\"took\":\"[^\"]*\"", "\"took\":\"D\"");
        }

        static Etcdctl.Result json(Etcdctl.Result r) {
            return new Etcdctl.Result(r.exit(), json(r.out()), r.err());
        }

        /** Go's time.Duration as etcdctl prints it ({@code 4.169804ms}, {@code 1.2s}, {@code 950µs}): {@code <D>}. */
        static String durations(String line) {
            return line.replaceAll("took = \\d+(\\.\\d+)?(ns|µs|us|ms|s|m\\d+(\\.\\d+)?s)$", "took = <D>");
        }

        /** A column whose value varies: a cell that matches is named, one that does not stays (and fails). */
        enum Col {
            ID("[0-9a-f]+", "<ID>"),
            NUMBER("\\d+", "<N>"),
            /** go-humanize's Bytes: 25 kB, 1.2 MB, 512 B. */
            SIZE("\\d+(\\.\\d)? (B|kB|MB|GB)", "<SIZE>"),
            VERSION("\\d+\\.\\d+\\.\\d+([-+.][0-9A-Za-z.-]+)?", "<VERSION>");

            final Pattern valid;
            final String name;

            Col(String valid, String name) {
                this.valid = Pattern.compile(valid);
                this.name = name;
            }

            String apply(String cell) {
                return valid.matcher(cell).matches() ? name : "!" + cell + "!";
            }
        }

        private static String cells(String[] cells, Col[] cols) {
            for (int i = 0; i < cells.length && i < cols.length; i++) {
                if (cols[i] != null) {
                    cells[i] = cols[i].apply(cells[i]);
                }
            }
            return String.join("\u0000", cells);
        }

        /** Simple output, one row a line, cells split by {@code sep}: the cells of {@code cols} named. */
        static String rows(String out, String sep, Col... cols) {
            return out.lines().map(l -> cells(l.split(Pattern.quote(sep), -1), cols).replace("\u0000", sep))
                    .map(l -> l + "\n").collect(Collectors.joining());
        }

        /**
         * A table (olekukonko/tablewriter, as etcdctl draws it): borders as {@code +-+-+}, each cell trimmed of
         * its padding, so that {@code |  started |} is {@code | started |}; below the header, the cells of
         * {@code cols} named.
         */
        static String table(String out, Col... cols) {
            StringBuilder b = new StringBuilder();
            int borders = 0;
            for (String l : out.lines().toList()) {
                if (l.startsWith("+")) {
                    borders++;
                    b.append(l.replaceAll("-+", "-"));
                } else if (l.startsWith("|") && l.endsWith("|")) {
                    String[] cells = Arrays.stream(l.substring(1, l.length() - 1).split("\\|", -1)).map(String::trim)
                            .toArray(String[]::new);
                    String joined = borders >= 2 ? cells(cells, cols) : String.join("\u0000", cells);
                    b.append("| ").append(joined.replace("\u0000", " | ")).append(" |");
                } else {
                    b.append(l);
                }
                b.append('\n');
            }
            return b.toString();
        }

        /**
         * A simple watch output (no --prev-kv: each event three lines) with an event that repeats the one before
         * it dropped: a put retried after a timeout may have been applied twice.
         */
        static String withoutRepeatedEvents(String out) {
            List<String> lines = out.lines().toList();
            StringBuilder b = new StringBuilder();
            String last = null;
            for (int i = 0; i < lines.size(); i += 3) {
                String event = String.join("\n", lines.subList(i, Math.min(i + 3, lines.size()))) + "\n";
                if (!event.equals(last)) {
                    b.append(event);
                }
                last = event;
            }
            return b.toString();
        }
    }
}
