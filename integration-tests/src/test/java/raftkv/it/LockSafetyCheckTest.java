package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The lock check on small hand-made histories, each with one thing wrong (or nothing). */
class LockSafetyCheckTest {

    /** Builds a run: the workers' events, the history of the log key, the freezes; times are made up in order. */
    private static final class Run {
        final List<LockEvent> events = new ArrayList<>();
        final List<WatchRecorder.Seen> history = new ArrayList<>();
        final List<LockSafetyWorkload.Pause> pauses = new ArrayList<>();
        long now = 1_000;
        long revision = 100;

        Run acquire(int worker, int acquisition, long token) {
            events.add(new LockEvent(now++, worker, LockEvent.Kind.ACQUIRED, acquisition, 0, token, 0, "k"));
            return this;
        }

        /** A step acknowledged and applied. */
        Run ok(int worker, int acquisition, int step) {
            long rev = ++revision;
            history.add(put(rev, LockEvent.value(worker, acquisition, step)));
            events.add(new LockEvent(now++, worker, LockEvent.Kind.OK, acquisition, step, 0, rev, ""));
            return this;
        }

        Run fenced(int worker, int acquisition, int step) {
            events.add(new LockEvent(now++, worker, LockEvent.Kind.FENCED, acquisition, step, 0, revision, ""));
            return this;
        }

        Run freeze(int worker, int acquisition) {
            pauses.add(new LockSafetyWorkload.Pause(worker, acquisition, 0, now, now + 4_000));
            now += 4_001;
            return this;
        }

        /** Checks, with every worker but the {@code killed} ones recording its stop at the end. */
        LockSafetyCheck.Result check(LockWorker.Mode mode, Set<Integer> killed) {
            List<LockEvent> all = new ArrayList<>(events);
            events.stream().map(LockEvent::worker).distinct().filter(w -> !killed.contains(w)).forEach(w ->
                    all.add(new LockEvent(now, w, LockEvent.Kind.STOPPED, 0, 0, 0, 0, "")));
            return LockSafetyCheck.check(mode, history, new LockSafetyWorkload.Records(all, pauses));
        }

        LockSafetyCheck.Result check(LockWorker.Mode mode) {
            return check(mode, Set.of());
        }
    }

    /** Worker 1 frozen in its critical section, worker 2 takes over, worker 1 wakes up and is fenced off. */
    private static Run fencedHandOver() {
        return new Run().acquire(1, 1, 10).ok(1, 1, 1).ok(1, 1, 2).freeze(1, 1)
                .acquire(2, 1, 12).ok(2, 1, 1).fenced(1, 1, 3).ok(2, 1, 2);
    }

    @Test
    void aFrozenHolderFencedOffPasses() {
        var r = fencedHandOver().check(LockWorker.Mode.FENCED);
        assertTrue(r.passed(), r.describe());
        assertEquals(2, r.runs());
        assertEquals(1, r.pausedHoldersFencedOff());
    }

    @Test
    void aFencedRunWhosePausesNeverBitDoesNotPass() {
        var r = new Run().acquire(1, 1, 10).ok(1, 1, 1).acquire(2, 1, 12).ok(2, 1, 1).freeze(2, 1)
                .check(LockWorker.Mode.FENCED);
        assertTrue(r.holdersExcluded() && r.recordsAgree(), r.describe());
        assertFalse(r.passed(), r.describe());
    }

    @Test
    void aHolderWritingAgainAfterAnotherHasIsAnOverlap() {
        var r = new Run().acquire(1, 1, 10).ok(1, 1, 1).freeze(1, 1).acquire(2, 1, 12).ok(2, 1, 1).ok(1, 1, 2)
                .ok(2, 1, 2).ok(1, 1, 3).check(LockWorker.Mode.UNFENCED);
        assertFalse(r.holdersExcluded(), r.describe());
        // 1:1 writes after 2:1 had, 2:1 after 1:1 had, and 1:1 again: three writes overlap, one pair of holders.
        assertEquals(3, r.overlaps().size(), r.describe());
        assertEquals(1, r.overlappingPairs());
        assertEquals(1, r.pausedHoldersWroteOn());
        assertTrue(r.recordsAgree(), r.describe());
    }

    @Test
    void aFirstWriteOfAnOlderTokenAfterANewerIsAnOverlap() {
        // Worker 1 took the lock first (token 10) but wrote nothing before it froze; worker 2 (token 12) wrote;
        // then worker 1 woke up and wrote: no run interleaves, but the tokens say it held the lock with worker 2.
        var r = new Run().acquire(1, 1, 10).freeze(1, 1).acquire(2, 1, 12).ok(2, 1, 1).ok(2, 1, 2).ok(1, 1, 1)
                .check(LockWorker.Mode.UNFENCED);
        assertEquals(1, r.overlaps().size(), r.describe());
        assertEquals("1:1", r.overlaps().get(0).writer());
        assertEquals("2:1", r.overlaps().get(0).other());
    }

    @Test
    void anAcknowledgedStepMissingFromTheHistoryIsAMismatch() {
        Run run = fencedHandOver();
        run.history.remove(1);
        var r = run.check(LockWorker.Mode.FENCED);
        assertFalse(r.recordsAgree(), r.describe());
        assertFalse(r.passed());
    }

    @Test
    void aStepRefusedByTheFenceButAppliedIsAMismatch() {
        Run run = fencedHandOver();
        run.history.add(put(++run.revision, LockEvent.value(1, 1, 3)));
        var r = run.check(LockWorker.Mode.FENCED);
        assertFalse(r.recordsAgree(), r.describe());
    }

    @Test
    void aStepInFlightWhenItsWorkerWasKilledMayBeInTheHistory() {
        Run run = fencedHandOver();
        run.history.add(put(++run.revision, LockEvent.value(2, 1, 3)));
        assertTrue(run.check(LockWorker.Mode.FENCED, Set.of(2)).passed());
        assertFalse(run.check(LockWorker.Mode.FENCED, Set.of()).recordsAgree(), "not killed, it would have said");
    }

    @Test
    void aWorkerRecordingWhileFrozenIsAMismatch() {
        Run run = fencedHandOver();
        var p = run.pauses.get(0);
        run.events.add(new LockEvent(p.startMillis() + 1_000, 1, LockEvent.Kind.SESSION_LOST, 1, 0, 0, 0, "x"));
        assertFalse(run.check(LockWorker.Mode.FENCED).recordsAgree());
    }

    @Test
    void eventsSurviveTheirLine() {
        var e = new LockEvent(5, 2, LockEvent.Kind.UNKNOWN, 3, 4, 77, 0, "a\tb");
        assertEquals(new LockEvent(5, 2, LockEvent.Kind.UNKNOWN, 3, 4, 77, 0, "a b"),
                LockEvent.parse(e.line().stripTrailing()));
    }

    /** The store's record of a put of the lock's log key. */
    private static WatchRecorder.Seen put(long revision, String value) {
        return new WatchRecorder.Seen(revision, LockWorker.LOG_KEY, raftkv.client.WatchEvent.Type.PUT, value);
    }
}
