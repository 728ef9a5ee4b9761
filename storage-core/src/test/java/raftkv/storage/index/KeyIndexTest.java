package raftkv.storage.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import raftkv.storage.Revision;

/** The key index on the timeline of its class comment: put 1, 2, delete 3, put 4, delete 5, put 6. */
class KeyIndexTest {

    private static long r(long main) {
        return Revision.pack(main, 0);
    }

    private static KeyIndex timeline() {
        KeyIndex ki = new KeyIndex(new byte[] {'f', 'o', 'o'});
        ki.put(r(1));
        ki.put(r(2));
        assertTrue(ki.tombstone(r(3)));
        ki.put(r(4));
        assertTrue(ki.tombstone(r(5)));
        ki.put(r(6));
        return ki;
    }

    @Test
    void getFindsTheVersionVisibleAtEachRevision() {
        KeyIndex ki = timeline();
        assertNull(ki.get(0));
        assertEquals(r(1), ki.get(1).modified());
        assertEquals(1, ki.get(1).version());
        assertEquals(r(2), ki.get(2).modified());
        assertEquals(2, ki.get(2).version());
        assertEquals(r(1), ki.get(2).created());
        assertNull(ki.get(3), "deleted at 3");
        assertEquals(r(4), ki.get(4).modified());
        assertEquals(1, ki.get(4).version(), "version restarts after a delete");
        assertNull(ki.get(5));
        assertEquals(r(6), ki.get(6).modified());
        assertEquals(r(6), ki.get(100).modified());
    }

    @Test
    void aTombstoneOnADeletedKeyIsRefused() {
        KeyIndex ki = new KeyIndex(new byte[] {'k'});
        ki.put(r(1));
        assertTrue(ki.tombstone(r(2)));
        assertFalse(ki.tombstone(r(3)));
        assertThrows(IllegalStateException.class, () -> ki.put(r(2)), "revisions only grow");
    }

    @Test
    void sinceListsRevisionsFromAGivenOne() {
        KeyIndex ki = timeline();
        assertArrayEquals(new long[] {r(1), r(2), r(3), r(4), r(5), r(6)}, ki.since(0));
        assertArrayEquals(new long[] {r(4), r(5), r(6)}, ki.since(4));
        assertArrayEquals(new long[] {}, ki.since(7));
    }

    @Test
    void sinceReportsOnlyTheLastSubRevisionOfAMainRevision() {
        KeyIndex ki = new KeyIndex(new byte[] {'k'});
        ki.put(Revision.pack(1, 0));
        ki.put(Revision.pack(1, 1));
        ki.put(Revision.pack(2, 0));
        assertArrayEquals(new long[] {Revision.pack(1, 1), Revision.pack(2, 0)}, ki.since(1));
    }

    @Test
    void compactKeepsWhatReadsAtOrAboveTheRevisionNeed() {
        for (int at = 0; at <= 7; at++) {
            KeyIndex ki = timeline();
            List<Long> kept = new ArrayList<>();
            List<Long> wouldKeep = new ArrayList<>();
            ki.keep(at, wouldKeep::add);
            ki.compact(at, kept::add);
            assertEquals(wouldKeep, kept, "keep() agrees with compact() at " + at);
            for (int read = at; read <= 7; read++) {
                IndexEntry before = timeline().get(read);
                IndexEntry after = ki.get(read);
                assertEquals(before == null ? null : before.modified(), after == null ? null : after.modified(),
                        "read at " + read + " after compact(" + at + ")");
                if (before != null) {
                    assertEquals(before.version(), after.version());
                    assertEquals(before.created(), after.created());
                }
            }
        }
    }

    @Test
    void compactDropsEndedGenerationsAndKeepsTheLatestRevision() {
        KeyIndex ki = timeline();
        List<Long> kept = new ArrayList<>();
        ki.compact(2, kept::add);
        assertEquals(List.of(r(2)), kept);
        assertEquals(3, ki.generationCount());
        kept.clear();
        ki.compact(4, kept::add);
        assertEquals(List.of(r(4)), kept);
        assertEquals(2, ki.generationCount());
        kept.clear();
        ki.compact(5, kept::add);
        assertEquals(List.of(), kept, "generation ended at 5 is gone, 6 is above the revision");
        assertEquals(1, ki.generationCount());
        kept.clear();
        ki.compact(6, kept::add);
        assertEquals(List.of(r(6)), kept);
        assertFalse(ki.isEmpty());
    }

    @Test
    void aDeletedKeyDisappearsOnceCompactedPastItsTombstone() {
        KeyIndex ki = new KeyIndex(new byte[] {'k'});
        ki.put(r(1));
        ki.tombstone(r(2));
        ki.compact(1, x -> { });
        assertFalse(ki.isEmpty());
        ki.compact(2, x -> { });
        assertTrue(ki.isEmpty());
    }
}
