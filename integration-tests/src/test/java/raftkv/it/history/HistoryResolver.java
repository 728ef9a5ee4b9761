package raftkv.it.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Settles writes of unknown outcome from the store's own record of what it applied (its revision history), as
 * etcd's robustness tests do, before the linearizability check: every write carries a unique value, so a value in
 * the history means its write took effect (at some instant after it was invoked), and a value nowhere in it means
 * the write never did. A delete of unknown outcome stays unknown only if its key has a deletion no acknowledged
 * delete accounts for; otherwise it removed nothing, which changes nothing.
 *
 * <p>This only ever makes the check stricter, never more lenient: a write dropped here cannot explain a read of its
 * value, so a history whose store record lies fails the check (and the record itself is checked against the
 * acknowledged writes and the watchers). What it buys is speed: each unresolved unknown write can be linearized
 * anywhere after its call, and proving a bad history wrong explores all those placements.
 */
public final class HistoryResolver {

    /** A write the store applied: its key, revision, and value (null for a deletion). */
    public record Applied(String key, long revision, String value) {
    }

    private HistoryResolver() {
    }

    public static List<Operation> resolve(List<Operation> history, List<Applied> store) {
        Map<String, Applied> putsByValue = new HashMap<>();
        Map<String, Set<Long>> deletions = new HashMap<>();
        for (Applied a : store) {
            if (a.value() != null) {
                putsByValue.put(a.value(), a);
            } else {
                deletions.computeIfAbsent(a.key(), k -> new HashSet<>()).add(a.revision());
            }
        }
        for (Operation op : history) {
            if (op.kind() == Operation.Kind.DELETE && op.acknowledgedWrite()) {
                Set<Long> revs = deletions.get(op.key());
                if (revs != null) {
                    revs.remove(op.revision());
                }
            }
        }
        List<Operation> out = new ArrayList<>(history.size());
        for (Operation op : history) {
            if (op.outcome() != Operation.Outcome.UNKNOWN || op.kind() == Operation.Kind.GET) {
                out.add(op);
                continue;
            }
            switch (op.kind()) {
                case PUT, CAS -> {
                    Applied a = putsByValue.get(op.value());
                    if (a != null) {
                        // It happened, at an unknown instant after its call: OK, but never returned.
                        out.add(new Operation(op.id(), op.client(), op.key(), op.kind(), op.value(), op.expected(),
                                true, Operation.Outcome.OK, a.revision(), op.invokeNanos(), Long.MAX_VALUE));
                    }
                }
                default -> {
                    if (!deletions.getOrDefault(op.key(), Set.of()).isEmpty()) {
                        out.add(op);
                    }
                }
            }
        }
        return out;
    }
}
