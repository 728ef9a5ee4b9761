package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The leadership view follows Ratis' callbacks: won, lost to another, stepped down. */
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

        l.steppedDown();
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
}
