package raftkv.it.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryResolverTest {

    @Test
    void anUnknownWriteInTheStoresHistoryHappenedAndOneMissingFromItDidNot() {
        var happened = Operation.put(1, 0, "k", "a", 10, 20).unknown();
        var never = Operation.put(2, 1, "k", "b", 10, 20).unknown();
        var resolved = HistoryResolver.resolve(List.of(happened, never),
                List.of(new HistoryResolver.Applied("k", 5, "a")));
        assertEquals(1, resolved.size());
        assertEquals(Operation.Outcome.OK, resolved.get(0).outcome());
        assertEquals(5, resolved.get(0).revision());
        assertEquals(Long.MAX_VALUE, resolved.get(0).completeNanos(), "when it happened is still unknown");
    }

    @Test
    void anUnknownDeleteStaysUnknownOnlyWhenADeletionIsUnaccountedFor() {
        var acked = Operation.delete(1, 0, "k", true, 10, 20).withRevision(7);
        var unknown = Operation.delete(2, 1, "k", false, 30, 40).unknown();
        assertEquals(1, HistoryResolver.resolve(List.of(acked, unknown),
                List.of(new HistoryResolver.Applied("k", 7, null))).size());
        assertEquals(2, HistoryResolver.resolve(List.of(acked, unknown),
                List.of(new HistoryResolver.Applied("k", 7, null), new HistoryResolver.Applied("k", 9, null))).size());
    }

    @Test
    void resolvingNeverExcusesAReadOfAValueTheStoreDidNotApply() {
        // The store's record misses the write whose value was read: the check fails rather than trusting the record.
        var write = Operation.put(1, 0, "k", "a", 10, 20).unknown();
        var read = Operation.get(2, 1, "k", "a", 30, 40);
        var resolved = HistoryResolver.resolve(List.of(write, read), List.of());
        assertFalse(LinearizabilityChecker.check(resolved, 10_000).linearizable());
        assertTrue(LinearizabilityChecker.check(List.of(write, read), 10_000).linearizable());
    }
}
