package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CommitAnnouncerTest {

    /** A leader's log: the announcer's empty entries land at its end, like anything else. */
    private static final class Log {
        long last;
        long commit;
        int empties;
        boolean refuse;

        boolean appendEmpty() {
            if (refuse) {
                return false;
            }
            empties++;
            last++;
            return true;
        }

        void write(int entries) {
            last += entries;
        }

        void commitAll() {
            commit = last;
        }
    }

    private final Log log = new Log();
    private final CommitAnnouncer announcer = new CommitAnnouncer(log::appendEmpty);

    private void ticks(int n) {
        for (int i = 0; i < n; i++) {
            announcer.tick(true, log.commit, log.last);
        }
    }

    @Test
    void theEndOfABurstIsAnnouncedOnceAndTheAnnouncementItselfIsNot() {
        log.write(10);
        log.commitAll();
        ticks(5);
        assertEquals(1, log.empties, "one empty entry carries commit index 10");
        assertEquals(11, log.last);
        log.commitAll();
        ticks(50);
        assertEquals(1, log.empties, "an idle cluster stays idle");
        log.write(1);
        log.commitAll();
        ticks(5);
        assertEquals(2, log.empties, "a lone write later is announced too");
    }

    @Test
    void nothingIsAnnouncedWhileTheCommitIndexMovesOrEntriesAreUncommitted() {
        for (int i = 0; i < 20; i++) {
            log.write(3);
            log.commitAll();
            ticks(1);
        }
        assertEquals(0, log.empties, "a steady stream of writes carries its own commit index");
        log.write(2);
        ticks(10);
        assertEquals(0, log.empties, "entries in flight will carry it when they are acknowledged");
        log.commitAll();
        ticks(2);
        assertEquals(1, log.empties);
    }

    @Test
    void aWriteThatSlipsInBeforeTheEmptyEntryCostsAtMostOneMore() {
        log.write(5);
        log.commitAll();
        ticks(2);
        assertEquals(1, log.empties);
        // The empty entry went to 6; say a client write got there first and the empty entry is at 7 instead.
        log.write(1);
        log.commitAll();
        ticks(10);
        log.commitAll();
        ticks(50);
        assertEquals(2, log.empties, "commit 7 is not the expected empty entry, so it is announced once more");
    }

    @Test
    void anEmptyEntryStillInFlightIsRetriedAndOnlyTheLeaderAnnounces() {
        log.write(4);
        log.commitAll();
        log.refuse = true;
        ticks(5);
        assertEquals(0, log.empties);
        log.refuse = false;
        ticks(1);
        assertEquals(1, log.empties, "tried again on the next tick");
        log.commitAll();
        log.write(2);
        log.commitAll();
        for (int i = 0; i < 10; i++) {
            announcer.tick(false, log.commit, log.last);
        }
        assertEquals(1, log.empties, "a follower never appends");
    }
}
