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

    /**
     * Ratis announces a leader only when the leader's id changes: a leader that steps down and wins the next election
     * with no other leader in between is told only by its first entry's term-index callback.
     */
    @Test
    void aMemberReElectedWithoutAnAnnouncementLeadsFromItsFirstEntry() {
        Leadership l = new Leadership(() -> 1);
        l.leaderChanged(true, 2);
        l.steppedDown(2);
        l.observed(true, 3);
        assertEquals(3, l.leaderTerm());
    }

    /** An observation taken before a step-down and delivered after it does not bring the ended leadership back. */
    @Test
    void anEndedTermIsNeverLedAgain() {
        Leadership l = new Leadership(() -> 1);
        l.observed(true, 4);
        l.steppedDown(4);
        l.observed(true, 4);
        assertFalse(l.isLeader());
        l.observed(false, 5);
        l.steppedDown(6);
        l.observed(true, 6);
        assertFalse(l.isLeader(), "it stepped down on seeing term 6, which it cannot lead");
        l.observed(true, 7);
        assertEquals(7, l.leaderTerm());
        l.observed(false, 7);
        assertEquals(0, l.leaderTerm(), "Ratis says it no longer leads: the view follows");
    }
}
