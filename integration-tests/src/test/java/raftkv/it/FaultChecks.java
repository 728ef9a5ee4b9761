package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import raftkv.client.RaftKv;
import raftkv.client.WatchEvent;
import raftkv.it.history.HistoryResolver;
import raftkv.it.history.LinearizabilityChecker;
import raftkv.it.history.Operation;

/**
 * What every fault scenario checks once its faults are healed: the history is linearizable; every acknowledged
 * write is in the store's history at the revision it was acknowledged with, and nothing is there that no client
 * wrote (or that was refused); every watcher saw exactly the store's history from its start, in order, with no gap
 * and no duplicate, and was never silently dropped; and all members hash alike at one revision.
 */
final class FaultChecks {

    /** Where each run appends its figures, for docs/reliability.md. */
    static final Path REPORT = Path.of("target", "reliability-report.txt");

    private FaultChecks() {
    }

    /** Everything a scenario run recorded, for the checks. */
    record Run(String scenario, long seed, TestCluster cluster, List<Operation> registers, BankHistory bank,
               List<WatchRecorder> watchers, HistoryKeeper history, int faults, int leaderChanges,
               long startedNanos) {
    }

    /** The figures of one scenario run. */
    record Summary(String scenario, long seed, int faults, int leaderChanges, int operations, int acknowledgedWrites,
                   int unknown, int failed, BankChecks.Summary bank, int compactions, int watchers, int watchEvents,
                   long checkMillis, long seconds) {
        String line() {
            return String.format("%s seed=%d: %d faults, %d leader changes; register: %d operations (%d acknowledged"
                            + " writes, %d unknown, %d failed); bank: %s; %d compactions, %d watchers, %d watch"
                            + " events checked, linearizability check %d ms, %d s in all",
                    scenario, seed, faults, leaderChanges, operations, acknowledgedWrites, unknown, failed,
                    bank.line(), compactions, watchers, watchEvents, checkMillis, seconds);
        }
    }

    static Summary verify(Run run) throws Exception {
        String where = "scenario " + run.scenario() + ", seed " + run.seed() + ": ";
        TestCluster cluster = run.cluster();
        cluster.awaitHealthy();
        List<Operation> history = new ArrayList<>(run.registers());
        finalReads(cluster, history, FaultRun.KEYS);
        // The last write of all, under the watched prefix: every watcher must get to it.
        long last = fence(cluster, history);
        List<WatchRecorder.Seen> store = run.history().storeHistory(RegisterWorkload.PREFIX, last);
        assertOrdered(where + "the store's history", store);
        checkWritesAgainstHistory(where, history, store);
        checkReadsAgainstHistory(where, history, store);
        checkClientRevisionsNeverGoBack(where, history);

        List<Operation> resolved = HistoryResolver.resolve(history, store.stream()
                .map(e -> new HistoryResolver.Applied(e.key(), e.revision(), e.value())).toList());
        var verdict = LinearizabilityChecker.check(resolved, 180_000);
        assertTrue(verdict.linearizable(), where + verdict.describe());

        BankChecks.Summary bank = BankChecks.verify(run.bank(), run.history().storeHistory(BankWorkload.PREFIX,
                last));

        int events = 0;
        List<WatchRecorder> watchers = List.copyOf(run.watchers());
        for (WatchRecorder w : watchers) {
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> w.progress() >= last || !w.endings().isEmpty());
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(where + "watcher " + w.name + " (from revision " + w.startRevision
                        + ") got to revision " + w.progress() + " only, not " + last + ", in 60 s", e);
            }
            assertTrue(w.endings().isEmpty(), where + "watcher " + w.name + " ended: " + w.endings());
            List<WatchRecorder.Seen> seen = w.events();
            assertOrdered(where + "watcher " + w.name, seen);
            List<WatchRecorder.Seen> expected = store.stream().filter(e -> e.revision() >= w.startRevision
                    && e.revision() <= last).toList();
            List<WatchRecorder.Seen> upToLast = seen.stream().filter(e -> e.revision() <= last).toList();
            assertEquals(expected.size(), upToLast.size(), where + "watcher " + w.name + " saw " + upToLast.size()
                    + " events where the store has " + expected.size() + firstDifference(expected, upToLast));
            assertEquals(expected, upToLast, where + "watcher " + w.name + firstDifference(expected, upToLast));
            events += upToLast.size();
        }

        assertMembersHashAlike(where, cluster);
        int acked = (int) history.stream().filter(Operation::acknowledgedWrite).count();
        int unknown = (int) history.stream().filter(o -> o.outcome() == Operation.Outcome.UNKNOWN).count();
        int failed = (int) history.stream().filter(o -> o.outcome() == Operation.Outcome.FAILED).count();
        Summary s = new Summary(run.scenario(), run.seed(), run.faults(), run.leaderChanges(), history.size(), acked,
                unknown, failed, bank, run.history().compactions(), watchers.size(), events, verdict.millis(),
                (System.nanoTime() - run.startedNanos()) / 1_000_000_000);
        System.out.println(s.line());
        report(s.line());
        return s;
    }

    static void report(String line) throws IOException {
        Files.createDirectories(REPORT.getParent());
        Files.writeString(REPORT, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The register key the checks write last; the workload never writes it. */
    static final String FENCE = RegisterWorkload.PREFIX + "fence";

    /** Puts {@link #FENCE}, adds the put to the history, and returns its revision. */
    private static long fence(TestCluster cluster, List<Operation> history) {
        int id = history.stream().mapToInt(Operation::id).max().orElse(0) + 1;
        List<String> endpoints = cluster.live().stream().map(TestCluster.NodeProcess::endpoint).toList();
        try (RaftKv kv = RaftKv.builder().endpoints(endpoints).timeout(Duration.ofSeconds(10)).build()) {
            long invoke = System.nanoTime();
            long revision = kv.kv().put(FENCE, "fence-" + id).join().header().revision();
            history.add(Operation.put(id, -100, FENCE, "fence-" + id, invoke, System.nanoTime())
                    .withRevision(revision));
            return revision;
        }
    }

    /** A linearizable read of every key through every member, added to the history as ordinary reads. */
    private static void finalReads(TestCluster cluster, List<Operation> history, int keys) {
        int id = history.stream().mapToInt(Operation::id).max().orElse(0) + 1;
        for (TestCluster.NodeProcess n : cluster.live()) {
            try (RaftKv kv = RaftKv.builder().endpoints(n.endpoint()).timeout(Duration.ofSeconds(10)).build()) {
                for (int k = 0; k < keys; k++) {
                    String key = RegisterWorkload.key(k);
                    long invoke = System.nanoTime();
                    var r = kv.kv().get(key).join();
                    history.add(Operation.get(id++, -n.id(), key, r.kvs().isEmpty() ? null
                            : r.kvs().get(0).valueString(), invoke, System.nanoTime())
                            .withRevision(r.header().revision()));
                }
            }
        }
    }

    /** The store's own history of the register workload's keys from {@code from} to {@code to}. */
    static List<WatchRecorder.Seen> storeHistory(TestCluster cluster, long from, long to) {
        return storeHistory(cluster, RegisterWorkload.PREFIX, from, to);
    }

    /**
     * The store's own history of the keys under {@code prefix} from {@code from} to {@code to}, by a new watch
     * through the members that answer (a frozen one does not).
     */
    static List<WatchRecorder.Seen> storeHistory(TestCluster cluster, String prefix, long from, long to) {
        List<String> reachable = cluster.live().stream().filter(n -> !n.isPaused())
                .map(TestCluster.NodeProcess::endpoint).toList();
        try (WatchRecorder replay = new WatchRecorder("replay of " + prefix, reachable, prefix, from)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> replay.progress() >= to || !replay.endings().isEmpty());
            assertTrue(replay.endings().isEmpty(), "the replay watch ended: " + replay.endings());
            return replay.events().stream().filter(e -> e.revision() <= to).toList();
        }
    }

    /**
     * A read answered at revision R saw the key's value at R in the store's history (the last change at or below
     * R; absent if that was a delete or there was none): no read sees a state that never existed, or another
     * revision's state labelled R.
     */
    private static void checkReadsAgainstHistory(String where, List<Operation> history,
                                                 List<WatchRecorder.Seen> store) {
        Map<String, java.util.TreeMap<Long, WatchRecorder.Seen>> byKey = new HashMap<>();
        store.forEach(e -> byKey.computeIfAbsent(e.key(), k -> new java.util.TreeMap<>()).put(e.revision(), e));
        for (Operation op : history) {
            if (op.kind() != Operation.Kind.GET || op.outcome() != Operation.Outcome.OK || op.revision() == 0) {
                continue;
            }
            var changes = byKey.getOrDefault(op.key(), new java.util.TreeMap<>());
            var at = changes.floorEntry(op.revision());
            String value = at == null || at.getValue().type() != WatchEvent.Type.PUT ? null : at.getValue().value();
            assertEquals(value, op.value(), where + op + " answered at revision " + op.revision() + ", where the"
                    + " store's history has " + (at == null ? "no value" : at.getValue()));
        }
    }

    /**
     * A client's answers never go back in time: each operation it completed carries a revision at least that of the
     * one it completed before (its operations run one at a time, and every read is linearizable).
     */
    private static void checkClientRevisionsNeverGoBack(String where, List<Operation> history) {
        Map<Integer, Operation> lastOf = new HashMap<>();
        history.stream().filter(o -> o.outcome() == Operation.Outcome.OK && o.revision() > 0 && o.client() >= 0)
                .sorted(java.util.Comparator.comparingLong(Operation::invokeNanos)).forEach(op -> {
                    Operation before = lastOf.put(op.client(), op);
                    assertTrue(before == null || before.revision() <= op.revision(), where + "client "
                            + op.client() + " went back in time: " + op + " at revision " + op.revision()
                            + " after " + before + " at revision " + (before == null ? 0 : before.revision()));
                });
    }

    /** One event per revision (the workload changes one key per request), in increasing order. */
    private static void assertOrdered(String what, List<WatchRecorder.Seen> events) {
        for (int i = 1; i < events.size(); i++) {
            long prev = events.get(i - 1).revision();
            long cur = events.get(i).revision();
            assertTrue(cur > prev, what + ": event " + i + " at revision " + cur + " follows revision " + prev
                    + (cur == prev ? " (a duplicate)" : " (out of order)"));
        }
    }

    /**
     * Every acknowledged write is in the history at its revision; every write in the history was made by an
     * operation that was acknowledged or whose outcome is unknown, never by one that was refused.
     */
    private static void checkWritesAgainstHistory(String where, List<Operation> history,
                                                  List<WatchRecorder.Seen> store) {
        Map<Long, WatchRecorder.Seen> byRevision = new HashMap<>();
        store.forEach(e -> byRevision.put(e.revision(), e));
        for (Operation op : history) {
            if (!op.acknowledgedWrite()) {
                continue;
            }
            WatchRecorder.Seen e = byRevision.get(op.revision());
            assertTrue(e != null, where + "acknowledged write " + op + " is not in the store's history");
            assertEquals(op.key(), e.key(), where + op + " vs " + e);
            if (op.kind() == Operation.Kind.DELETE) {
                assertEquals(WatchEvent.Type.DELETE, e.type(), where + op + " vs " + e);
            } else {
                assertEquals(op.value(), e.value(), where + op + " vs " + e);
            }
        }
        Map<String, Operation> writers = new HashMap<>();
        history.stream().filter(o -> o.value() != null && o.kind() != Operation.Kind.GET)
                .forEach(o -> writers.put(o.value(), o));
        Set<String> applied = new HashSet<>();
        for (WatchRecorder.Seen e : store) {
            if (e.type() != WatchEvent.Type.PUT) {
                continue;
            }
            Operation w = writers.get(e.value());
            assertTrue(w != null, where + "the store has " + e + ", which no client wrote");
            assertTrue(w.outcome() != Operation.Outcome.FAILED, where + "refused write " + w + " was applied: " + e);
            assertTrue(applied.add(e.value()), where + "write " + w + " was applied twice");
        }
    }

    private static String firstDifference(List<WatchRecorder.Seen> expected, List<WatchRecorder.Seen> seen) {
        for (int i = 0; i < Math.min(expected.size(), seen.size()); i++) {
            if (!expected.get(i).equals(seen.get(i))) {
                return "; first difference at event " + i + ": expected " + expected.get(i) + ", saw " + seen.get(i);
            }
        }
        return expected.size() == seen.size() ? "" : "; one is a prefix of the other";
    }

    static void assertMembersHashAlike(String where, TestCluster cluster) throws Exception {
        long revision = Long.MAX_VALUE;
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            revision = Math.min(revision, statusOf(cluster, n).path("header").path("revision").asLong());
        }
        List<Long> hashes = new ArrayList<>();
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            hashes.add(cluster.api.hash(n.endpoint(), revision));
        }
        assertEquals(1, hashes.stream().distinct().count(), where + "hashes at revision " + revision + ": " + hashes);
    }

    /** A member's status, waiting a while for a member that is busy catching up to answer. */
    private static com.fasterxml.jackson.databind.JsonNode statusOf(TestCluster cluster, TestCluster.NodeProcess n) {
        com.fasterxml.jackson.databind.JsonNode[] s = new com.fasterxml.jackson.databind.JsonNode[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> (s[0] = cluster.api.status(n.endpoint())) != null);
        return s[0];
    }
}
