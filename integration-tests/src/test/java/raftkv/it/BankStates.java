package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import raftkv.client.WatchEvent;

/**
 * The bank accounts as the store held them at each revision, rebuilt from the accounts as created and the store's
 * own history of the prefix: the reference every read and transfer is checked against. Rebuilding checks the
 * history's shape: in revision order, puts of existing accounts only, each account at most once per revision.
 */
final class BankStates {

    /** Every account's value and mod revision at one revision. */
    record State(SortedMap<String, String> values, Map<String, Long> modRevisions) {
    }

    /** One revision of the store's history: what it wrote, and the states before and after it. */
    record Change(long revision, SortedMap<String, String> writes, State before, State after) {
    }

    private final TreeMap<Long, State> byRevision = new TreeMap<>();
    private final List<Change> changes = new ArrayList<>();

    private BankStates() {
    }

    /**
     * {@code store} must hold the creation of the accounts at {@code history.initRevision()}; events before it
     * (the clearing of the prefix, an earlier attempt to create them) are ignored.
     */
    static BankStates rebuild(BankHistory history, List<WatchRecorder.Seen> store) {
        TreeMap<Long, List<WatchRecorder.Seen>> revisions = new TreeMap<>();
        for (int i = 0; i < store.size(); i++) {
            WatchRecorder.Seen e = store.get(i);
            if (i > 0 && e.revision() < store.get(i - 1).revision()) {
                fail("the store's history is out of order: event " + i + " at revision " + e.revision()
                        + " follows revision " + store.get(i - 1).revision());
            }
            if (e.revision() >= history.initRevision()) {
                revisions.computeIfAbsent(e.revision(), r -> new ArrayList<>()).add(e);
            }
        }
        BankStates states = new BankStates();
        List<WatchRecorder.Seen> creation = revisions.remove(history.initRevision());
        assertTrue(creation != null, "the store's history lacks revision " + history.initRevision()
                + ", where the accounts were created: replay it from there");
        assertEquals(history.initial(), writes(history.initRevision(), creation, history),
                "the store's revision " + history.initRevision() + " is not the creation of the accounts");
        Map<String, Long> created = new TreeMap<>();
        history.initial().keySet().forEach(a -> created.put(a, history.initRevision()));
        State state = new State(history.initial(), created);
        states.byRevision.put(history.initRevision(), state);
        for (var r : revisions.entrySet()) {
            SortedMap<String, String> writes = writes(r.getKey(), r.getValue(), history);
            SortedMap<String, String> values = new TreeMap<>(state.values());
            Map<String, Long> mods = new TreeMap<>(state.modRevisions());
            values.putAll(writes);
            writes.keySet().forEach(a -> mods.put(a, r.getKey()));
            State next = new State(Collections.unmodifiableSortedMap(values), Collections.unmodifiableMap(mods));
            states.changes.add(new Change(r.getKey(), writes, state, next));
            states.byRevision.put(r.getKey(), next);
            state = next;
        }
        return states;
    }

    /** The puts of one revision, each to an existing account, each account once. */
    private static SortedMap<String, String> writes(long revision, List<WatchRecorder.Seen> events,
                                                    BankHistory history) {
        String where = "the store's revision " + revision;
        SortedMap<String, String> writes = new TreeMap<>();
        for (WatchRecorder.Seen e : events) {
            assertEquals(WatchEvent.Type.PUT, e.type(), where + " deletes " + e.key());
            assertTrue(history.initial().containsKey(e.key()), where + " writes " + e.key() + ", which is no"
                    + " account");
            String before = writes.put(e.key(), e.value());
            assertTrue(before == null, where + " writes " + e.key() + " twice: " + events);
        }
        return writes;
    }

    /** The state at {@code revision}, which {@code who} was answered at. */
    State at(long revision, String who) {
        var e = byRevision.floorEntry(revision);
        if (e == null) {
            fail(who + ": revision " + revision + " is before the accounts were created at revision "
                    + byRevision.firstKey());
        }
        return e.getValue();
    }

    /** Every revision after the creation, in order. */
    List<Change> changes() {
        return changes;
    }

    /** How many revisions touch the accounts, their creation included. */
    int revisions() {
        return byRevision.size();
    }

    /** The sum of the balances in {@code values}, which {@code who} holds. */
    static long total(Map<String, String> values, String who) {
        long total = 0;
        for (var v : values.entrySet()) {
            try {
                total += BankWorkload.balance(v.getValue());
            } catch (NumberFormatException e) {
                fail(who + " holds " + v.getKey() + " = '" + v.getValue() + "', which is no balance");
            }
        }
        return total;
    }
}
