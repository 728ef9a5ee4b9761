package raftkv.it.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-made histories that are and are not linearizable, and generated ones whose answer is known by construction. */
class LinearizabilityCheckerTest {

    private static final long NEVER = Long.MAX_VALUE;
    private int ids;

    private Operation put(int c, String v, long from, long to) {
        return Operation.put(ids++, c, "k", v, from, to);
    }

    private Operation get(int c, String seen, long from, long to) {
        return Operation.get(ids++, c, "k", seen, from, to);
    }

    private Operation cas(int c, String expect, String v, boolean ok, long from, long to) {
        return Operation.cas(ids++, c, "k", expect, v, ok, from, to);
    }

    private Operation delete(int c, boolean deleted, long from, long to) {
        return Operation.delete(ids++, c, "k", deleted, from, to);
    }

    private static LinearizabilityChecker.Result check(List<Operation> h) {
        return LinearizabilityChecker.check(h, 30_000);
    }

    private static void assertLinearizable(List<Operation> h) {
        var r = check(h);
        assertTrue(r.linearizable(), r.describe());
    }

    private static void assertNotLinearizable(List<Operation> h) {
        var r = check(h);
        assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, r.verdict(), r.describe());
        assertFalse(r.failing().isEmpty());
    }

    @Test
    void aReadAfterAWriteSeesIt() {
        assertLinearizable(List.of(put(0, "a", 0, 10), get(1, "a", 20, 30)));
        assertLinearizable(List.of(get(1, null, 0, 5), put(0, "a", 10, 20), get(1, "a", 30, 40)));
    }

    @Test
    void aStaleReadIsCaught() {
        // The write returned before the read began, yet the read saw the old (absent) value.
        assertNotLinearizable(List.of(put(0, "a", 0, 10), get(1, null, 20, 30)));
        assertNotLinearizable(List.of(put(0, "a", 0, 10), put(0, "b", 20, 30), get(1, "a", 40, 50)));
    }

    @Test
    void aLostWriteIsCaught() {
        // Both writes were acknowledged, in order; a later read and every read after it show the first.
        assertNotLinearizable(List.of(put(0, "x", 0, 10), put(1, "y", 20, 30), get(2, "x", 40, 50),
                get(0, "x", 60, 70)));
    }

    @Test
    void aConcurrentReadMaySeeEitherValue() {
        assertLinearizable(List.of(put(0, "a", 0, 10), put(0, "b", 20, 100), get(1, "a", 30, 40)));
        assertLinearizable(List.of(put(0, "a", 0, 10), put(0, "b", 20, 100), get(1, "b", 30, 40)));
    }

    @Test
    void readsMustNotGoBackInTime() {
        // b was seen, then a, with no write of a after b: the second read is stale.
        assertNotLinearizable(List.of(put(0, "a", 0, 10), put(0, "b", 20, 100), get(1, "b", 30, 40),
                get(1, "a", 50, 60)));
    }

    @Test
    void aWriteOfUnknownOutcomeMayOrMayNotHaveHappened() {
        assertLinearizable(List.of(put(0, "a", 0, 10), put(1, "x", 20, 30).unknown(), get(2, "x", 40, 50)));
        assertLinearizable(List.of(put(0, "a", 0, 10), put(1, "x", 20, 30).unknown(), get(2, "a", 40, 50)));
        // ... but it cannot take effect before it was invoked, nor explain a value nobody wrote.
        assertNotLinearizable(List.of(get(2, "x", 0, 10), put(1, "x", 20, 30).unknown()));
        assertNotLinearizable(List.of(put(1, "x", 20, 30).unknown(), get(2, "z", 40, 50)));
    }

    @Test
    void aWriteOfUnknownOutcomeCannotHappenTwice() {
        // x seen, then a newer write of y, then x again: one unknown write of x cannot take effect twice.
        assertNotLinearizable(List.of(put(1, "x", 0, 5).unknown(), get(2, "x", 10, 20), put(0, "y", 30, 40),
                get(2, "x", 50, 60)));
    }

    @Test
    void compareAndSetSucceedsOnlyOnTheExpectedValue() {
        assertLinearizable(List.of(put(0, "a", 0, 10), cas(1, "a", "b", true, 20, 30), get(2, "b", 40, 50)));
        // Two sequential CASes from a to something: only one can succeed.
        assertNotLinearizable(List.of(put(0, "a", 0, 10), cas(1, "a", "b", true, 20, 30),
                cas(2, "a", "c", true, 40, 50)));
        // A CAS that failed although nothing else could have changed the value.
        assertNotLinearizable(List.of(put(0, "a", 0, 10), cas(1, "a", "b", false, 20, 30)));
        // ... unless a write of unknown outcome could have.
        assertLinearizable(List.of(put(0, "a", 0, 10), put(2, "z", 12, 15).unknown(),
                cas(1, "a", "b", false, 20, 30)));
        // As in etcd, a CAS on an absent key fails.
        assertNotLinearizable(List.of(cas(1, null, "b", true, 20, 30)));
    }

    @Test
    void aCompareAndSetOfUnknownOutcomeTakesEitherBranch() {
        assertLinearizable(List.of(put(0, "a", 0, 10), cas(1, "a", "b", true, 20, 30).unknown(), get(2, "b", 40, 50)));
        assertLinearizable(List.of(put(0, "a", 0, 10), cas(1, "a", "b", true, 20, 30).unknown(), get(2, "a", 40, 50)));
    }

    @Test
    void deleteReportsWhetherTheKeyWasThere() {
        assertLinearizable(List.of(put(0, "a", 0, 10), delete(1, true, 20, 30), get(2, null, 40, 50),
                delete(1, false, 60, 70)));
        assertNotLinearizable(List.of(delete(1, true, 0, 10)));
        assertNotLinearizable(List.of(put(0, "a", 0, 10), delete(1, true, 20, 30), get(2, "a", 40, 50)));
    }

    @Test
    void keysAreIndependentAndTheFailingKeyIsNamed() {
        List<Operation> h = new ArrayList<>();
        h.add(Operation.put(ids++, 0, "good", "a", 0, 10));
        h.add(Operation.get(ids++, 1, "good", "a", 20, 30));
        h.add(Operation.put(ids++, 0, "bad", "a", 0, 10));
        h.add(Operation.get(ids++, 1, "bad", null, 20, 30));
        var r = check(h);
        assertFalse(r.linearizable());
        assertEquals("bad", r.key());
    }

    @Test
    void generatedLinearizableHistoriesPass() {
        for (long seed = 1; seed <= 30; seed++) {
            List<Operation> h = generate(new Random(seed), 8, 3, 400, 0.05);
            var r = check(h);
            assertTrue(r.linearizable(), "seed " + seed + ": " + r.describe());
        }
    }

    @Test
    void aLargeHistoryIsCheckedWithinItsBudget() {
        // 12 clients, 4 keys, 12,000 operations with some of unknown outcome: the size of a fault scenario's history.
        List<Operation> h = generate(new Random(42), 12, 4, 12_000, 0.01);
        var r = LinearizabilityChecker.check(h, 60_000);
        assertTrue(r.linearizable(), r.describe());
        System.out.println("checked " + r.operations() + " operations in " + r.millis() + " ms");
    }

    @Test
    void oneCorruptedReadInALargeHistoryIsFoundAndShrunk() {
        for (long seed = 1; seed <= 10; seed++) {
            Random rnd = new Random(seed);
            // No unknown outcomes here: proving a history wrong means exhausting its alternatives, and every write of
            // unknown outcome doubles them (the fault suite resolves those from the store's history first).
            List<Operation> h = new ArrayList<>(generate(rnd, 8, 2, 3_000, 0));
            // Replace one completed read's answer by a value that was written, but only long before: a stale read.
            List<Integer> reads = new ArrayList<>();
            for (int i = 1_000; i < h.size(); i++) {
                Operation o = h.get(i);
                if (o.kind() == Operation.Kind.GET && o.outcome() == Operation.Outcome.OK && o.value() != null) {
                    reads.add(i);
                }
            }
            int at = reads.get(rnd.nextInt(reads.size()));
            Operation read = h.get(at);
            String stale = firstValueWritten(h, read.key());
            if (stale.equals(read.value())) {
                continue;
            }
            h.set(at, Operation.get(read.id(), read.client(), read.key(), stale, read.invokeNanos(),
                    read.completeNanos()));
            var r = LinearizabilityChecker.check(h, 60_000);
            assertEquals(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE, r.verdict(), "seed " + seed);
            assertTrue(r.failing().size() <= 10, "seed " + seed + " shrunk to " + r.describe());
            assertTrue(r.failing().stream().anyMatch(o -> o.id() == read.id()), r.describe());
        }
    }

    private static String firstValueWritten(List<Operation> h, String key) {
        return h.stream().filter(o -> o.key().equals(key) && o.kind() == Operation.Kind.PUT)
                .min(Comparator.comparingLong(Operation::invokeNanos)).orElseThrow().value();
    }

    /**
     * A history of {@code n} operations by {@code clients} clients on {@code keys} keys that is linearizable by
     * construction: each operation takes effect at a random instant inside its interval and its answer comes from
     * a register model applied in that order. A fraction {@code unknown} of writes lose their answer.
     */
    static List<Operation> generate(Random rnd, int clients, int keys, int n, double unknown) {
        record Planned(int id, int client, String key, Operation.Kind kind, String value, String expected, long invoke,
                       long complete, long at) {
        }
        List<Planned> planned = new ArrayList<>();
        long[] clock = new long[clients];
        Map<String, List<String>> written = new HashMap<>();
        for (int i = 0; i < n; i++) {
            int c = rnd.nextInt(clients);
            String key = "k" + rnd.nextInt(keys);
            long invoke = clock[c] + 1 + rnd.nextInt(20);
            long complete = invoke + 1 + rnd.nextInt(100);
            long at = invoke + rnd.nextLong(complete - invoke + 1);
            clock[c] = complete;
            int p = rnd.nextInt(100);
            Operation.Kind kind = p < 45 ? Operation.Kind.GET : p < 75 ? Operation.Kind.PUT
                    : p < 92 ? Operation.Kind.CAS : Operation.Kind.DELETE;
            String value = kind == Operation.Kind.PUT || kind == Operation.Kind.CAS ? "v" + i : null;
            List<String> seen = written.computeIfAbsent(key, k -> new ArrayList<>());
            String expected = kind == Operation.Kind.CAS && !seen.isEmpty()
                    ? seen.get(Math.max(0, seen.size() - 1 - rnd.nextInt(2))) : "none";
            if (value != null) {
                seen.add(value);
            }
            planned.add(new Planned(i, c, key, kind, value, expected, invoke, complete, at));
        }
        planned.sort(Comparator.comparingLong(Planned::at));
        Map<String, String> state = new HashMap<>();
        List<Operation> out = new ArrayList<>();
        for (Planned p : planned) {
            String before = state.get(p.key());
            Operation op = switch (p.kind()) {
                case GET -> Operation.get(p.id(), p.client(), p.key(), before, p.invoke(), p.complete());
                case PUT -> Operation.put(p.id(), p.client(), p.key(), p.value(), p.invoke(), p.complete());
                case DELETE -> Operation.delete(p.id(), p.client(), p.key(), before != null, p.invoke(),
                        p.complete());
                case CAS -> Operation.cas(p.id(), p.client(), p.key(), p.expected(), p.value(),
                        p.expected().equals(before), p.invoke(), p.complete());
            };
            Object after = RegisterModel.step(before, op);
            state.put(p.key(), (String) after);
            boolean lost = op.kind() != Operation.Kind.GET && rnd.nextDouble() < unknown;
            out.add(lost ? op.unknown() : op);
        }
        out.sort(Comparator.comparingInt(Operation::id));
        return out;
    }
}
