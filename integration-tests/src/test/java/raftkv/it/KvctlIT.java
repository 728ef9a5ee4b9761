package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.client.cli.Kvctl;

/** kvctl's commands against a real cluster: each one's output and exit code. */
class KvctlIT extends SharedClusterIT {

    record Run(int exit, String out, String err) {
    }

    private String endpoints() {
        List<String> eps = new ArrayList<>();
        cluster.nodes().forEach(n -> eps.add(n.endpoint()));
        return String.join(",", eps);
    }

    private Run kvctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--endpoints", endpoints()));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Kvctl.run(all.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void keysAndValues() {
        assertEquals(new Run(0, "OK\n", ""), kvctl("put", "kv/a", "1"));
        assertEquals(new Run(0, "OK\n", ""), kvctl("put", "kv/b", "2"));
        assertEquals(new Run(0, "kv/a\n1\n", ""), kvctl("get", "kv/a"));
        assertEquals(new Run(0, "kv/a\nkv/b\n", ""), kvctl("get", "kv/", "--prefix", "--keys-only"));
        assertEquals(new Run(0, "1\n2\n", ""), kvctl("get", "kv/", "--prefix", "--print-value-only"));
        assertEquals(new Run(0, "kv/a\n1\n", ""), kvctl("get", "kv/", "--prefix", "--limit", "1"));
        assertEquals(new Run(0, "2\n", ""), kvctl("get", "kv/", "--prefix", "--count-only"));
        Run json = kvctl("get", "kv/a", "-w", "json");
        assertTrue(json.out().contains("\"kvs\":[{\"key\":\"a3YvYQ==\",\"value\":\"MQ==\""), json.out());
        assertEquals(new Run(0, "", ""), kvctl("get", "kv/none"));
        assertEquals(new Run(0, "1\n", ""), kvctl("del", "kv/a"));
        assertEquals(new Run(0, "1\nkv/b\n2\n", ""), kvctl("del", "kv/", "--prefix", "--prev-kv"));
    }

    @Test
    void leases() {
        Run grant = kvctl("lease", "grant", "30");
        Matcher m = Pattern.compile("lease ([0-9a-f]+) granted with TTL\\(30s\\)\n").matcher(grant.out());
        assertTrue(m.matches(), grant.toString());
        String id = m.group(1);
        assertEquals(new Run(0, "OK\n", ""), kvctl("put", "ls/k", "v", "--lease", id));
        Run ttl = kvctl("lease", "timetolive", id, "--keys");
        assertTrue(ttl.out().matches("lease " + id + " granted with TTL\\(30s\\), remaining\\(\\d+s\\), "
                + "attached keys\\(ls/k\\)\n"), ttl.toString());
        assertTrue(kvctl("lease", "list").out().contains(id + "\n"));
        assertEquals(new Run(0, "lease " + id + " revoked\n", ""), kvctl("lease", "revoke", id));
        assertEquals(new Run(0, "lease " + id + " already expired\n", ""), kvctl("lease", "timetolive", id));
        Run refused = kvctl("put", "ls/k", "v", "--lease", id);
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("requested lease not found"), refused.err());
    }

    @Test
    void clusterAndMaintenance(@TempDir Path dir) throws Exception {
        Run members = kvctl("member", "list", "-w", "table");
        assertEquals(0, members.exit());
        assertEquals(3, members.out().lines().filter(l -> l.contains("| voter ")).count(), members.out());
        Run status = kvctl("endpoint", "status", "-w", "table");
        assertEquals(0, status.exit(), status.toString());
        assertEquals(1, status.out().lines().filter(l -> l.contains("| true ")).count(), status.out());
        Run health = kvctl("endpoint", "health");
        assertEquals(0, health.exit(), health.toString());
        assertEquals(3, health.out().lines().filter(l -> l.contains("is healthy")).count(), health.out());
        Run hash = kvctl("endpoint", "hash", "-w", "simple");
        List<String> hashes = hash.out().lines().map(l -> l.split(", ")[1]).distinct().toList();
        assertEquals(1, hashes.size(), "members differ: " + hash.out());
        assertEquals(new Run(0, "", ""), kvctl("alarm", "list"));
        assertEquals(0, kvctl("defrag").exit());
        String rev = kvctl("put", "mt/x", "1", "-w", "json").out().replaceAll(".*\"revision\":(\\d+).*\\s*", "$1");
        assertEquals(new Run(0, "compacted revision " + rev + "\n", ""), kvctl("compaction", rev));
        Path snap = dir.resolve("backup.snap");
        Run save = kvctl("snapshot", "save", snap.toString());
        assertEquals(0, save.exit(), save.toString());
        assertTrue(save.out().startsWith("Snapshot saved at " + snap), save.out());
        assertTrue(Files.size(snap) > 0);
    }

    @Test
    void watchPrintsEventsUntilInterrupted() throws Exception {
        StringWriter out = new StringWriter();
        int[] exit = {-1};
        Thread watcher = new Thread(() -> exit[0] = Kvctl.run(new String[] {"--endpoints", endpoints(), "watch",
                "wt/", "--prefix"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true)));
        watcher.start();
        // The watch starts "from now": keep writing until the first event shows, then one more of each kind.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            kvctl("put", "wt/first", "0");
            return out.toString().contains("wt/first");
        });
        kvctl("put", "wt/x", "1");
        kvctl("del", "wt/x");
        await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().endsWith("PUT\nwt/x\n1\nDELETE\nwt/x\n"));
        watcher.interrupt();
        watcher.join(5_000);
        assertEquals(0, exit[0]);
    }

    @Test
    void keepAliveRenewsUntilInterruptedAndSaysWhenTheLeaseIsLost() throws Exception {
        String id = kvctl("lease", "grant", "3").out().split(" ")[1];
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int[] exit = {-1};
        Thread keeper = new Thread(() -> exit[0] = Kvctl.run(new String[] {"--endpoints", endpoints(), "lease",
                "keep-alive", id}, new PrintWriter(out, true), new PrintWriter(err, true)));
        keeper.start();
        // Renewed every second (a third of the TTL), well past the TTL.
        await().atMost(Duration.ofSeconds(15)).until(() -> out.toString().lines().count() >= 5);
        assertTrue(out.toString().startsWith("lease " + id + " keepalived with TTL(3)\n"), out.toString());
        assertEquals(new Run(0, "lease " + id + " revoked\n", ""), kvctl("lease", "revoke", id));
        keeper.join(15_000);
        assertEquals(1, exit[0]);
        assertTrue(err.toString().contains("lease " + id + " lost: the lease expired or was revoked"), err.toString());
    }

    @Test
    void membershipChangesReportWhatWentWrong() {
        Run bad = kvctl("member", "add", "n9", "--peer-urls", "not-a-url");
        assertEquals(1, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("field \"peerURLs\""), bad.err());
        Run missing = kvctl("member", "remove", "99");
        assertEquals(1, missing.exit(), missing.toString());
        assertTrue(missing.err().startsWith("Error: "), missing.err());
        assertEquals(new Run(0, "", ""), kvctl("alarm", "disarm"));
    }

    @Test
    void txnFromStdin() {
        kvctl("put", "tx/k", "old");
        String script = "value(\"tx/k\") = \"old\"\n\nput tx/k new\nget tx/k\n\nget tx/k\n\n";
        StringWriter out = new StringWriter();
        int exit = Kvctl.run(new String[] {"--endpoints", endpoints(), "txn"},
                new java.io.ByteArrayInputStream(script.getBytes()), new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true));
        assertEquals(0, exit);
        assertEquals("SUCCESS\n\nOK\n\ntx/k\nnew\n", out.toString());
        out = new StringWriter();
        exit = Kvctl.run(new String[] {"--endpoints", endpoints(), "txn"},
                new java.io.ByteArrayInputStream(script.getBytes()), new PrintWriter(out, true),
                new PrintWriter(new StringWriter(), true));
        assertEquals("FAILURE\n\ntx/k\nnew\n", out.toString());
        StringWriter err = new StringWriter();
        exit = Kvctl.run(new String[] {"--endpoints", endpoints(), "txn"},
                new java.io.ByteArrayInputStream("value(tx/k) == 1\n\n\n".getBytes()),
                new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().contains("bad compare"), "[" + err + "]");
    }

    @Test
    void lockAndElect() throws Exception {
        StringWriter lockOut = new StringWriter();
        int[] lockExit = {-1};
        Thread holder = new Thread(() -> lockExit[0] = Kvctl.run(new String[] {"--endpoints", endpoints(), "lock",
                "ctl-lock"}, new PrintWriter(lockOut, true), new PrintWriter(new StringWriter(), true)));
        holder.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> lockOut.toString().startsWith("ctl-lock/"));
        assertEquals(1, kvctl("get", "ctl-lock/", "--prefix", "--count-only").out().trim().length());
        holder.interrupt();
        holder.join(10_000);
        assertEquals(0, lockExit[0]);
        assertEquals(new Run(0, "0\n", ""), kvctl("get", "ctl-lock/", "--prefix", "--count-only"));

        StringWriter leaderOut = new StringWriter();
        StringWriter observed = new StringWriter();
        Thread leader = new Thread(() -> Kvctl.run(new String[] {"--endpoints", endpoints(), "elect", "ctl-elect",
                "p1"}, new PrintWriter(leaderOut, true), new PrintWriter(new StringWriter(), true)));
        Thread observer = new Thread(() -> Kvctl.run(new String[] {"--endpoints", endpoints(), "elect",
                "ctl-elect"}, new PrintWriter(observed, true), new PrintWriter(new StringWriter(), true)));
        leader.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> leaderOut.toString().endsWith("\np1\n"));
        assertTrue(leaderOut.toString().startsWith("ctl-elect/"), leaderOut.toString());
        observer.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> observed.toString().equals("p1\n"));
        leader.interrupt();
        leader.join(10_000);
        observer.interrupt();
        observer.join(10_000);
        assertFalse(leader.isAlive() || observer.isAlive());
    }

    @Test
    void exitCodesScriptsCanRelyOn() throws Exception {
        Run usage = kvctl("get");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("Missing required parameter"), usage.err());
        int port = TestCluster.freePort();
        StringWriter err = new StringWriter();
        int down = Kvctl.run(new String[] {"--endpoints", "http://127.0.0.1:" + port, "--command-timeout", "2",
                "get", "x"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertEquals(3, down, err.toString());
        assertTrue(err.toString().startsWith("Error: no endpoint"), err.toString());
    }
}
