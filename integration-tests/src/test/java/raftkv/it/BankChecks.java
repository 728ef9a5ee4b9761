package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a bank history must satisfy, against the store's own history of the {@link BankWorkload#PREFIX} keys:
 * <ul>
 *   <li>the store's history: each revision after the accounts were created is one whole transfer that was
 *       committed or of unknown outcome (never one refused or failed, never twice, never in part), applied only if
 *       its compares held, and keeping the total; every committed transfer is there at its revision;</li>
 *   <li>every read sees exactly the accounts, with the total, as the store held them at the read's revision (so
 *       no read sees half a transfer or a state that never existed);</li>
 *   <li>a refused transfer was refused rightly: an account it compared had changed by the revision it names;</li>
 *   <li>each client's revisions never go backwards, and each of its commits is newer than all it saw before; across
 *       clients, no operation is older than one answered before it was invoked.</li>
 * </ul>
 * Failures are assertion errors naming the client, the operation and the revision.
 */
final class BankChecks {

    private BankChecks() {
    }

    /** The figures of one checked history. */
    record Summary(int reads, int committed, int refused, int unknown, int unknownApplied, int failed,
                   int revisions) {
        String line() {
            return String.format("%d reads, %d transfers committed, %d refused by their compare, %d of unknown"
                            + " outcome (%d of them applied), %d failed; %d store revisions checked",
                    reads, committed, refused, unknown, unknownApplied, failed, revisions);
        }
    }

    /**
     * Checks {@code history} against {@code store}: the events of the bank prefix, in order, from at most the
     * history's {@code initRevision} (earlier ones are ignored) to at least the newest revision any operation saw.
     */
    static Summary verify(BankHistory history, List<WatchRecorder.Seen> store) {
        Map<String, BankOp.Transfer> byTag = new HashMap<>();
        List<BankOp.Read> reads = new ArrayList<>();
        for (BankOp op : history.ops()) {
            if (op instanceof BankOp.Transfer t) {
                byTag.put(BankWorkload.tag(t.id()), t);
            } else {
                reads.add((BankOp.Read) op);
            }
        }
        BankStates states = BankStates.rebuild(history, store);
        Map<BankOp.Transfer, Long> applied = checkRevisions(history, states, byTag);
        for (BankOp.Transfer t : byTag.values()) {
            if (t.acknowledged()) {
                Long at = applied.get(t);
                assertTrue(at != null, t + " is not in the store's history");
                assertEquals(t.revision(), at, t + " is in the store's history at revision " + at);
            }
        }
        byTag.values().stream().filter(BankOp.Transfer::refused).forEach(t -> checkRefusedRightly(t, states));
        reads.forEach(r -> checkRead(r, history, states));
        checkClientOrder(history.ops());
        checkRealTimeOrder(history.ops());

        List<BankOp.Transfer> transfers = new ArrayList<>(byTag.values());
        return new Summary(reads.size(), count(transfers, BankOp.Transfer::acknowledged),
                count(transfers, BankOp.Transfer::refused),
                count(transfers, t -> t.outcome() == BankOp.Outcome.UNKNOWN),
                count(transfers, t -> t.outcome() == BankOp.Outcome.UNKNOWN && applied.containsKey(t)),
                count(transfers, t -> t.outcome() == BankOp.Outcome.FAILED), states.revisions());
    }

    /**
     * Each revision after the creation is the whole of one transfer that may have been applied, applied once, with
     * its compares holding, keeping the total. Returns each applied transfer's revision.
     */
    private static Map<BankOp.Transfer, Long> checkRevisions(BankHistory history, BankStates states,
                                                             Map<String, BankOp.Transfer> byTag) {
        Map<BankOp.Transfer, Long> applied = new HashMap<>();
        for (BankStates.Change change : states.changes()) {
            long rev = change.revision();
            String where = "the store's revision " + rev;
            Set<String> writers = new HashSet<>();
            change.writes().values().forEach(v -> writers.add(BankWorkload.writer(v)));
            assertEquals(1, writers.size(), where + " mixes the writes of " + writers + ": " + change.writes());
            BankOp.Transfer t = byTag.get(writers.iterator().next());
            assertTrue(t != null, where + " was written by no transfer of this history: " + change.writes());
            assertEquals(t.writes(), change.writes(), where + " holds a partial or altered " + t + ": it has "
                    + change.writes());
            assertTrue(t.outcome() != BankOp.Outcome.FAILED, where + " applied " + t);
            assertTrue(!t.refused(), where + " applied " + t);
            Long before = applied.put(t, rev);
            assertTrue(before == null, t + " was applied twice, at revisions " + before + " and " + rev);
            for (var cmp : t.compared().entrySet()) {
                long mod = change.before().modRevisions().get(cmp.getKey());
                assertEquals(cmp.getValue(), mod, where + " applied " + t + ", although " + cmp.getKey()
                        + " had changed at revision " + mod + " since its read (its compare must fail)");
            }
            long total = BankStates.total(change.after().values(), where);
            assertEquals(history.total(), total, where + " changes the total from " + history.total() + " to "
                    + total + ": " + change.after().values());
        }
        return applied;
    }

    /** The cluster said the compare failed at the txn's revision: some account it compared had changed by then. */
    private static void checkRefusedRightly(BankOp.Transfer t, BankStates states) {
        BankStates.State at = states.at(t.revision(), t.toString());
        boolean changed = t.compared().entrySet().stream()
                .anyMatch(c -> !c.getValue().equals(at.modRevisions().get(c.getKey())));
        assertTrue(changed, t + ", although at revision " + t.revision() + " every account it compared was as read"
                + " (mod revisions " + at.modRevisions() + ")");
    }

    /** Exactly the accounts, with the total, as the store held them at the read's revision. */
    private static void checkRead(BankOp.Read r, BankHistory history, BankStates states) {
        assertEquals(history.initial().keySet(), r.values().keySet(), r + " sees the accounts "
                + r.values().keySet() + ", not " + history.initial().keySet() + ": " + r.values());
        long total = BankStates.total(r.values(), r.toString());
        assertEquals(history.total(), total, r + " sees a total of " + total + ", not " + history.total() + ": "
                + r.values());
        BankStates.State at = states.at(r.revision(), r.toString());
        assertEquals(at.values(), r.values(), r + " sees a state the store never held at that revision; the store"
                + " had " + at.values());
    }

    /**
     * Each client runs one operation at a time, so each starts after the one before was answered: it must see that
     * revision or a newer one, and a commit must make a newer one.
     */
    private static void checkClientOrder(List<BankOp> ops) {
        Map<Integer, List<BankOp>> byClient = new LinkedHashMap<>();
        ops.forEach(op -> byClient.computeIfAbsent(op.client(), c -> new ArrayList<>()).add(op));
        for (List<BankOp> mine : byClient.values()) {
            mine.sort(java.util.Comparator.comparingLong(BankOp::invokeNanos));
            BankOp last = null;
            long lastRev = 0;
            for (BankOp op : mine) {
                long rev = revisionOf(op);
                if (rev == 0) {
                    continue;
                }
                boolean commit = op instanceof BankOp.Transfer t && t.acknowledged();
                if (last != null && (rev < lastRev || commit && rev == lastRev)) {
                    fail("client " + op.client() + " went back in time: " + op + " follows " + last
                            + (rev == lastRev ? ", which already saw revision " + rev : ""));
                }
                last = op;
                lastRev = rev;
            }
        }
    }

    /**
     * Across clients: an operation invoked after another was answered is ordered after it (linearizability), so it
     * must see that revision or a newer one, and a commit must make a newer one. A stale read of a whole, once true
     * state passes every other check but this one.
     */
    private static void checkRealTimeOrder(List<BankOp> ops) {
        List<BankOp> answered = ops.stream().filter(op -> revisionOf(op) > 0)
                .sorted(java.util.Comparator.comparingLong(BankOp::completeNanos)).toList();
        List<BankOp> invoked = answered.stream()
                .sorted(java.util.Comparator.comparingLong(BankOp::invokeNanos)).toList();
        BankOp newest = null; // the answered operation with the highest revision so far
        int done = 0;
        for (BankOp op : invoked) {
            while (done < answered.size() && answered.get(done).completeNanos() < op.invokeNanos()) {
                BankOp a = answered.get(done++);
                if (newest == null || revisionOf(a) > revisionOf(newest)) {
                    newest = a;
                }
            }
            if (newest == null) {
                continue;
            }
            long rev = revisionOf(op);
            boolean commit = op instanceof BankOp.Transfer t && t.acknowledged();
            if (rev < revisionOf(newest) || commit && rev == revisionOf(newest)) {
                fail(op + " is older than " + newest + ", which was answered before it was invoked"
                        + (op instanceof BankOp.Read ? " (a stale read)" : ""));
            }
        }
    }

    /** The revision the operation's answer carried; 0 if none came. */
    private static long revisionOf(BankOp op) {
        if (op instanceof BankOp.Read r) {
            return r.revision();
        }
        BankOp.Transfer t = (BankOp.Transfer) op;
        return t.outcome() == BankOp.Outcome.OK ? t.revision() : 0;
    }

    private static int count(List<BankOp.Transfer> ts, java.util.function.Predicate<BankOp.Transfer> p) {
        return (int) ts.stream().filter(p).count();
    }
}
