package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The leadership view follows Ratis' callbacks: won, lost to another, stepped down, re-elected unannounced. */
class LeadershipTest {

    @Test
    void followsTheCallbacks() {
        AtomicInteger newLeaders = new AtomicInteger();
        Leadership l = new Leadership(() -> 3);
        l.onNewLeader(newLeaders::incrementAndGet);
        assertFalse(l.isLeader());
        assertEquals(0, l.leaderTerm());

        l.leaderChanged(true, 7);
        assertTrue(l.isLeader());
        assertEquals(7, l.leaderTerm());

        l.steppedDown(7);
        assertFalse(l.isLeader());
        assertEquals(0, l.leaderTerm(), "a member that stepped down leads no term");

        l.leaderChanged(true, 9);
        assertEquals(9, l.leaderTerm(), "won again, in a new term");
        l.leaderChanged(false, 10);
        assertFalse(l.isLeader(), "another member leads term 10");
        assertEquals(0, l.leaderTerm());

        assertEquals(3, newLeaders.get(), "each new leader is announced, a step-down is not");
        assertEquals(3, l.leaderId(), "the leader's id comes from Ratis");
    }

    /** Confirming, from the apply thread, a leadership the announcement missed or has not delivered yet. */
    @Test
    void theFirstEntryConfirmsALeadershipNotYetAnnounced() {
        Leadership l = new Leadership(() -> 1);
        l.leaderChanged(false, 2);
        l.confirmedLeading(3);
        assertEquals(3, l.leaderTerm());
        l.leaderChanged(true, 3);
        assertEquals(3, l.leaderTerm(), "announced as well: the same term");
    }

    /**
     * The apply thread reads Ratis without its lock, so a reading of "leader" may arrive after the step-down that
     * ended it (or after another member's election was announced): it must not bring the leadership back.
     */
    @Test
    void aStaleConfirmationNeverRevivesAnEndedLeadership() {
        Leadership l = new Leadership(() -> 1);
        l.leaderChanged(true, 4);
        l.steppedDown(4);
        l.confirmedLeading(4);
        assertFalse(l.isLeader());
        l.leaderChanged(false, 5);
        l.confirmedLeading(5);
        assertFalse(l.isLeader(), "another member leads term 5");
        l.confirmedLeading(6);
        assertEquals(6, l.leaderTerm(), "a later term is this member's to lead");
    }
}
