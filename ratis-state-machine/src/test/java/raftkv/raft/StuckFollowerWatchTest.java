package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class StuckFollowerWatchTest {

    private final StuckFollowerWatch watch = new StuckFollowerWatch(10_000, 1_000);

    /** The id of the follower reported stuck, 0 for none. */
    private static int id(StuckFollowerWatch.Follower stuck) {
        return stuck == null ? 0 : stuck.id();
    }

    private static StuckFollowerWatch.Follower f(int id, long match, long next, long sinceAnswer) {
        return new StuckFollowerWatch.Follower(id, match, next, sinceAnswer);
    }

    @Test
    void aLiveFollowerWhoseMatchIndexStandsWhileCommitsGoOnIsStuckAfterTheWindow() {
        assertEquals(0, id(watch.check(0, 200, 1, List.of(f(2, 200, 201, 50), f(3, 131, 132, 50)))));
        assertEquals(0, id(watch.check(5_000, 900, 1, List.of(f(2, 900, 901, 50), f(3, 131, 132, 50)))));
        assertEquals(3, id(watch.check(10_000, 1_500, 1, List.of(f(2, 1_500, 1_501, 50), f(3, 131, 132, 50)))));
        assertEquals(0, id(watch.check(11_000, 1_600, 1, List.of(f(2, 1_600, 1_601, 50), f(3, 131, 132, 50)))),
                "reported once, then its window starts again");
        assertEquals(3, id(watch.check(21_000, 2_600, 1, List.of(f(2, 2_600, 2_601, 50), f(3, 131, 132, 50)))));
    }

    @Test
    void aSlowFollowerThatMovesIsNotStuck() {
        for (int t = 0; t <= 30_000; t += 1_000) {
            assertEquals(0, id(watch.check(t, 1_000 + t, 1, List.of(f(3, 100 + t / 100, 101 + t / 100, 50)))));
        }
    }

    @Test
    void aFollowerThatIsDownOrGetsASnapshotIsNotStuck() {
        for (int t = 0; t <= 30_000; t += 1_000) {
            assertEquals(0, id(watch.check(t, 1_000 + t, 1, List.of(f(3, 131, 132, 5_000)))), "down: no answers");
        }
        for (int t = 0; t <= 30_000; t += 1_000) {
            assertEquals(0, id(watch.check(t, 1_000 + t, 500, List.of(f(3, 131, 132, 50)))),
                    "its entries were purged: it needs a snapshot");
            assertEquals(0, id(watch.check(t, 1_000 + t, 1, List.of(f(2, 131, 40, 50)))),
                    "the leader is backing off for it");
        }
    }

    @Test
    void anIdleClusterHasNoStuckFollowerAndNeitherHasOneThatCaughtUp() {
        for (int t = 0; t <= 30_000; t += 1_000) {
            assertEquals(0, id(watch.check(t, 500, 1, List.of(f(3, 500, 501, 50)))), "in step");
        }
        // Behind while nothing is committed: the window needs commits going on past it.
        StuckFollowerWatch idle = new StuckFollowerWatch(10_000, 1_000);
        for (int t = 0; t <= 30_000; t += 1_000) {
            assertEquals(0, id(idle.check(t, 500, 1, List.of(f(3, 499, 500, 50)))));
        }
    }
}
