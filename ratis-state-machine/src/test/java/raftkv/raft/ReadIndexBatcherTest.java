package raftkv.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadIndexBatcherTest {

    /** A ReadIndex round the test ends by hand, and the moment (on the test's clock of events) it began. */
    private record Round(long began, CompletableFuture<Void> done) { }

    /** A read and the moment it arrived. */
    private record Read(long arrived, CompletableFuture<Void> released) { }

    private final AtomicLong clock = new AtomicLong();
    private final List<Round> rounds = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ReadIndexBatcher batcher = new ReadIndexBatcher(() -> {
        Round r = new Round(clock.incrementAndGet(), new CompletableFuture<>());
        rounds.add(r);
        return r.done();
    }, new RaftMetrics(new MetricRegistry()), () -> false, () -> { }, timer, Runnable::run);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private Read read() {
        long at = clock.incrementAndGet();
        return new Read(at, batcher.await());
    }

    @Test
    void readsThatArriveDuringARoundShareTheNextOne() {
        Read first = read();
        assertEquals(1, rounds.size());
        List<Read> later = List.of(read(), read(), read());
        assertEquals(1, rounds.size(), "one round in flight at a time");
        rounds.get(0).done().complete(null);
        assertTrue(first.released().isDone());
        later.forEach(r -> assertFalse(r.released().isDone(), "the first round began before it arrived"));
        assertEquals(2, rounds.size());
        rounds.get(1).done().complete(null);
        later.forEach(r -> assertTrue(r.released().isDone()));
        assertEquals(2, rounds.size(), "nothing left to read, no third round");
    }

    @Test
    void aFailedRoundIsTriedAgainWithTheReadsThatArrivedMeanwhileAndNobodySeesTheFailure() {
        Read a = read();
        Read b = read();
        rounds.get(0).done().completeExceptionally(new IllegalStateException("no leader"));
        assertFalse(a.released().isDone());
        await().atMost(Duration.ofSeconds(5)).until(() -> rounds.size() == 2);
        assertTrue(rounds.get(1).began() > b.arrived());
        rounds.get(1).done().complete(null);
        assertTrue(a.released().isDone() && !a.released().isCompletedExceptionally());
        assertTrue(b.released().isDone() && !b.released().isCompletedExceptionally());
    }

    @Test
    void aLeaderChangeBeginsTheRoundAgainAtOnceAndTheOldRoundEndingChangesNothing() {
        Read a = read();
        batcher.leaderChanged();
        assertEquals(2, rounds.size(), "begun again without waiting for the first to fail");
        rounds.get(1).done().complete(null);
        assertTrue(a.released().isDone());
        rounds.get(0).done().completeExceptionally(new IllegalStateException("old leader gone"));
        Read b = read();
        assertEquals(3, rounds.size(), "the replaced round's failure neither retried nor blocked the next");
        rounds.get(2).done().complete(null);
        assertTrue(b.released().isDone());
    }

    @Test
    void readsThatGaveUpStopTheRetries() {
        Read a = read();
        a.released().completeExceptionally(new TimeoutException("deadline"));
        rounds.get(0).done().completeExceptionally(new IllegalStateException("no leader"));
        int before = rounds.size();
        // No round for a read nobody waits for, over several retry periods.
        await().during(Duration.ofMillis(4 * ReadIndexBatcher.RETRY_MS)).atMost(Duration.ofSeconds(5))
                .until(() -> rounds.size() == before);
        Read b = read();
        assertEquals(before + 1, rounds.size(), "a new read starts a round at once");
        rounds.get(rounds.size() - 1).done().complete(null);
        assertTrue(b.released().isDone());
    }

    /**
     * Random arrivals, successes, failures and leader changes: every read is released, and only ever by a round
     * that began after it arrived (else it could miss a write acknowledged before it).
     */
    @Test
    void randomlyEveryReadIsReleasedOnlyByARoundThatBeganAfterIt() {
        for (long seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            List<Read> reads = new ArrayList<>();
            int handled = 0;
            for (int step = 0; step < 300; step++) {
                int what = rnd.nextInt(10);
                if (what < 5) {
                    reads.add(read());
                } else if (what < 6) {
                    batcher.leaderChanged();
                } else if (handled < rounds.size()) {
                    Round r = rounds.get(handled++);
                    List<Read> open = reads.stream().filter(x -> !x.released().isDone()).toList();
                    if (what < 9) {
                        r.done().complete(null);
                        for (Read x : open) {
                            if (x.released().isDone()) {
                                assertTrue(x.arrived() < r.began(), "seed " + seed + ": released by an earlier round");
                            }
                        }
                    } else {
                        r.done().completeExceptionally(new IllegalStateException("no leader"));
                    }
                }
            }
            // Then the cluster settles: every round that begins succeeds.
            long s = seed;
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                for (Round r : rounds) {
                    r.done().complete(null);
                }
                return reads.stream().allMatch(x -> x.released().isDone());
            });
            reads.forEach(x -> assertFalse(x.released().isCompletedExceptionally(), "seed " + s));
            rounds.forEach(r -> r.done().complete(null));
            rounds.clear();
        }
    }
}
