package raftkv.it.history;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a history of register operations is linearizable, by the Wing &amp; Gong search with Lowe's
 * memoisation (as porcupine does it), one key at a time: registers on different keys are independent, so the
 * history is linearizable exactly when each key's sub-history is.
 *
 * <p>The search walks the time-ordered list of call and return events. At a call it tries to linearize that
 * operation now (the model must allow its answer); at a return whose operation is not yet linearized it backtracks.
 * States already explored (the set of linearized operations and the register value) are cached, which keeps the
 * search near-linear on real histories. An operation of unknown outcome never returns, so it can always be put last,
 * where it changes nothing anyone saw: that is "it may or may not have taken effect". Definitely failed operations
 * and reads of unknown outcome say nothing and are dropped.
 *
 * <p>When a key is not linearizable the result carries a small failing sub-history, shrunk from the prefix where
 * the search got stuck by removing operations while the rest still fails.
 */
public final class LinearizabilityChecker {

    /** The verdict, with the key and a failing sub-history when there is one. */
    public record Result(Verdict verdict, String key, List<Operation> failing, int operations, int keys,
                         long millis) {
        public boolean linearizable() {
            return verdict == Verdict.LINEARIZABLE;
        }

        public String describe() {
            StringBuilder b = new StringBuilder(verdict + " (" + operations + " operations on " + keys + " keys, "
                    + millis + " ms)");
            if (key != null) {
                b.append("; key ").append(key).append(verdict == Verdict.TIMED_OUT ? " ran out of time"
                        : ", a failing sub-history of " + failing.size() + " operations:");
                for (Operation op : failing) {
                    b.append("\n  ").append(op);
                }
            }
            return b.toString();
        }
    }

    public enum Verdict { LINEARIZABLE, NOT_LINEARIZABLE, TIMED_OUT }

    private LinearizabilityChecker() {
    }

    /** Checks {@code history}, giving the search at most {@code budgetMillis} in all. */
    public static Result check(Collection<Operation> history, long budgetMillis) {
        long start = System.nanoTime();
        long deadline = start + budgetMillis * 1_000_000;
        Map<String, List<Operation>> byKey = new LinkedHashMap<>();
        int counted = 0;
        for (Operation op : history) {
            if (op.outcome() == Operation.Outcome.FAILED
                    || op.outcome() == Operation.Outcome.UNKNOWN && op.kind() == Operation.Kind.GET) {
                continue;
            }
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
            counted++;
        }
        for (var e : byKey.entrySet()) {
            Search s = new Search(e.getValue(), deadline);
            Verdict v = s.run();
            if (v != Verdict.LINEARIZABLE) {
                List<Operation> failing = v == Verdict.NOT_LINEARIZABLE
                        ? shrink(e.getValue(), s.stuckAt, deadline + 10_000_000_000L) : List.of();
                return new Result(v, e.getKey(), failing, counted, byKey.size(), millisSince(start));
            }
        }
        return new Result(Verdict.LINEARIZABLE, null, List.of(), counted, byKey.size(), millisSince(start));
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /**
     * A small sub-history that still fails: the operations invoked before the one the search could not get past
     * returned (later ones cannot be linearized before it, so they cannot help), then, in shrinking chunks and
     * small windows, every operation whose removal keeps the rest failing at the same operation. A write is never removed while an operation that saw its value
     * stays: that would fail for a new reason (a value nobody wrote) and hide the real one.
     */
    static List<Operation> shrink(List<Operation> ops, Operation stuckAt, long deadline) {
        List<Operation> current = new ArrayList<>(ops);
        current.sort(Comparator.comparingLong(Operation::invokeNanos));
        if (stuckAt != null) {
            List<Operation> prefix = current.stream().filter(o -> o.invokeNanos() <= stuckAt.completeNanos()).toList();
            if (keepsWritersOfWhatItSaw(current, prefix) && fails(prefix, stuckAt, deadline)) {
                current = new ArrayList<>(prefix);
            }
        }
        // Halving chunks; then windows of one to three neighbours (a put and the delete that removed it go
        // together), again and again until none can go or time is up.
        for (int chunk = Math.max(4, current.size() / 2); chunk >= 4; chunk /= 2) {
            current = removeWindows(current, chunk, stuckAt, deadline);
        }
        for (int size = current.size() + 1; current.size() < size && System.nanoTime() < deadline; ) {
            size = current.size();
            for (int window = 1; window <= 3; window++) {
                current = removeWindows(current, window, stuckAt, deadline);
            }
        }
        return current;
    }

    /** Removes every run of {@code window} neighbouring operations whose removal keeps the failure. */
    private static List<Operation> removeWindows(List<Operation> current, int window, Operation stuckAt,
                                                 long deadline) {
        for (int i = 0; i < current.size() && System.nanoTime() < deadline; ) {
            List<Operation> without = new ArrayList<>(current.subList(0, i));
            without.addAll(current.subList(Math.min(current.size(), i + window), current.size()));
            if (!without.isEmpty() && keepsWritersOfWhatItSaw(current, without)
                    && fails(without, stuckAt, deadline)) {
                current = without;
            } else {
                i++;
            }
        }
        return current;
    }

    /** Whether every value an operation of {@code sub} saw, if {@code whole} has its write, still has it. */
    private static boolean keepsWritersOfWhatItSaw(List<Operation> whole, List<Operation> sub) {
        Set<String> writtenInWhole = new HashSet<>();
        Set<String> writtenInSub = new HashSet<>();
        for (Operation o : whole) {
            if (o.kind() == Operation.Kind.PUT || o.kind() == Operation.Kind.CAS) {
                writtenInWhole.add(o.value());
            }
        }
        for (Operation o : sub) {
            if (o.kind() == Operation.Kind.PUT || o.kind() == Operation.Kind.CAS) {
                writtenInSub.add(o.value());
            }
        }
        for (Operation o : sub) {
            String saw = o.kind() == Operation.Kind.GET ? o.value()
                    : o.kind() == Operation.Kind.CAS && o.succeeded() ? o.expected() : null;
            if (saw != null && writtenInWhole.contains(saw) && !writtenInSub.contains(saw)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code ops} fails for the same reason: the search gets stuck at the same operation. Removing an
     * operation can create a failure of its own (a delete gone, and a read of "absent" no longer explained); that
     * one would get stuck elsewhere.
     */
    private static boolean fails(List<Operation> ops, Operation stuckAt, long deadline) {
        Search s = new Search(ops, deadline);
        return s.run() == Verdict.NOT_LINEARIZABLE && (stuckAt == null || s.stuckAt.id() == stuckAt.id());
    }

    /** One key's search. */
    private static final class Search {

        /** A call or return event in the time-ordered, doubly linked list the search lifts operations out of. */
        private static final class Entry {
            final Operation op;
            final int index;
            final boolean call;
            final long time;
            Entry match;
            Entry prev;
            Entry next;

            Entry(Operation op, int index, boolean call, long time) {
                this.op = op;
                this.index = index;
                this.call = call;
                this.time = time;
            }
        }

        private record Explored(BitSet linearized, Object state) {
        }

        private record Frame(Entry entry, String stateBefore) {
        }

        private final Entry head = new Entry(null, -1, false, Long.MIN_VALUE);
        private final long deadline;
        /** The return the deepest point of the search could not get past. */
        Operation stuckAt;

        Search(List<Operation> ops, long deadline) {
            this.deadline = deadline;
            List<Entry> entries = new ArrayList<>(ops.size() * 2);
            for (int i = 0; i < ops.size(); i++) {
                Operation op = ops.get(i);
                Entry call = new Entry(op, i, true, op.invokeNanos());
                Entry ret = new Entry(op, i, false, op.completeNanos());
                call.match = ret;
                ret.match = call;
                entries.add(call);
                entries.add(ret);
            }
            // By time; at equal times calls first, which treats the two operations as concurrent (the lenient view).
            entries.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
            Entry prev = head;
            for (Entry e : entries) {
                prev.next = e;
                e.prev = prev;
                prev = e;
            }
        }

        Verdict run() {
            Set<Explored> cache = new HashSet<>();
            List<Frame> calls = new ArrayList<>();
            BitSet linearized = new BitSet();
            String state = null;
            int deepest = -1;
            long steps = 0;
            Entry entry = head.next;
            while (head.next != null) {
                if ((++steps & 0x3FFF) == 0 && System.nanoTime() > deadline) {
                    return Verdict.TIMED_OUT;
                }
                if (entry.call) {
                    Object next = RegisterModel.step(state, entry.op);
                    if (next != RegisterModel.ILLEGAL) {
                        BitSet after = (BitSet) linearized.clone();
                        after.set(entry.index);
                        if (cache.add(new Explored(after, next))) {
                            calls.add(new Frame(entry, state));
                            state = (String) next;
                            linearized = after;
                            lift(entry);
                            entry = head.next;
                            continue;
                        }
                    }
                    entry = entry.next;
                } else {
                    if (calls.size() > deepest) {
                        deepest = calls.size();
                        stuckAt = entry.op;
                    }
                    if (calls.isEmpty()) {
                        return Verdict.NOT_LINEARIZABLE;
                    }
                    Frame top = calls.remove(calls.size() - 1);
                    state = top.stateBefore();
                    linearized = (BitSet) linearized.clone();
                    linearized.clear(top.entry().index);
                    unlift(top.entry());
                    entry = top.entry().next;
                }
            }
            return Verdict.LINEARIZABLE;
        }

        private static void lift(Entry call) {
            call.prev.next = call.next;
            call.next.prev = call.prev;
            Entry ret = call.match;
            ret.prev.next = ret.next;
            if (ret.next != null) {
                ret.next.prev = ret.prev;
            }
        }

        private static void unlift(Entry call) {
            Entry ret = call.match;
            ret.prev.next = ret;
            if (ret.next != null) {
                ret.next.prev = ret;
            }
            call.prev.next = call;
            call.next.prev = call;
        }
    }
}
