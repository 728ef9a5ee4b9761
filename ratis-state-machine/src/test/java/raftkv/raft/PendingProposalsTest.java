package raftkv.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PendingProposalsTest {

    private final Timer proposeToOutcome = new Timer();
    private final PendingProposals pending = new PendingProposals(proposeToOutcome);
    private ExecutorService pool;

    @AfterEach
    void stopPool() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    @Test
    void eachRegistrationGetsItsOwnRisingSequenceNumberAndIsCounted() {
        long previous = Long.MIN_VALUE;
        for (int i = 1; i <= 5; i++) {
            long seq = pending.register(new CompletableFuture<>());
            assertTrue(seq > previous, "sequence numbers rise: " + previous + " then " + seq);
            previous = seq;
            assertEquals(i, pending.size());
        }
    }

    @Test
    void completeAnswersTheWaiterOfThatSequenceNumberOnly() {
        CompletableFuture<CommandResult> a = new CompletableFuture<>();
        CompletableFuture<CommandResult> b = new CompletableFuture<>();
        long seqA = pending.register(a);
        long seqB = pending.register(b);

        CommandResult result = new CommandResult(17, null);
        pending.complete(seqB, result);

        assertSame(result, b.getNow(null));
        assertFalse(a.isDone());
        assertEquals(1, pending.size());
        assertEquals(1, proposeToOutcome.getCount(), "the time to the outcome is measured");

        pending.complete(seqA, new CommandResult(18, null));
        assertEquals(18, a.getNow(null).revision());
        assertEquals(0, pending.size());
    }

    @Test
    void failCompletesTheWaiterExceptionallyWithTheGivenError() {
        CompletableFuture<CommandResult> f = new CompletableFuture<>();
        CompletableFuture<CommandResult> other = new CompletableFuture<>();
        long seq = pending.register(f);
        pending.register(other);

        IllegalStateException lost = new IllegalStateException("leader lost");
        pending.fail(seq, lost);

        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
        assertSame(lost, e.getCause());
        assertFalse(other.isDone());
        assertEquals(1, pending.size());
    }

    @Test
    void anOutcomeForAnUnknownOrAlreadyAnsweredSequenceNumberChangesNothing() {
        CompletableFuture<CommandResult> f = new CompletableFuture<>();
        long seq = pending.register(f);
        CommandResult first = new CommandResult(1, null);
        pending.complete(seq, first);

        // Another member's apply, a replayed entry, or the leader's answer racing the local apply.
        pending.complete(seq, new CommandResult(2, null));
        pending.fail(seq, new RuntimeException("late"));
        pending.complete(seq + 1000, new CommandResult(3, null));
        pending.fail(seq + 1000, new RuntimeException("unknown"));

        assertSame(first, f.getNow(null), "the first outcome stands");
        assertEquals(0, pending.size());
        assertEquals(1, proposeToOutcome.getCount(), "an outcome nobody waited for is not measured");
    }

    @Test
    void aWaiterThatTimesOutIsForgottenSoNothingLeaks() {
        CompletableFuture<CommandResult> f = new CompletableFuture<>();
        long seq = pending.register(f);
        f.orTimeout(20, TimeUnit.MILLISECONDS); // as RaftNode.propose does: an entry lost with its leader is never applied

        await().atMost(Duration.ofSeconds(2)).until(() -> pending.size() == 0);
        assertTrue(f.isCompletedExceptionally());
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertTrue(e.getCause() instanceof TimeoutException);

        pending.complete(seq, new CommandResult(5, null)); // the entry applied after all: no one to tell
        assertEquals(0, pending.size());
    }

    @Test
    void aWaiterCompletedOrCancelledFromOutsideIsForgotten() {
        CompletableFuture<CommandResult> cancelled = new CompletableFuture<>();
        CompletableFuture<CommandResult> answered = new CompletableFuture<>();
        pending.register(cancelled);
        pending.register(answered);
        cancelled.cancel(false);
        answered.complete(new CommandResult(9, null));
        assertEquals(0, pending.size());
    }

    @Test
    void anAlreadyCompletedFutureIsNotKept() {
        pending.register(CompletableFuture.completedFuture(new CommandResult(1, null)));
        pending.register(CompletableFuture.failedFuture(new RuntimeException("refused before it was registered")));
        assertEquals(0, pending.size());
    }

    @Test
    void theProposerIdIsStableForAnInstanceAndDiffersAcrossRestarts() {
        assertEquals(pending.proposer(), pending.proposer());
        Set<Long> ids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            ids.add(new PendingProposals(new Timer()).proposer());
        }
        assertEquals(20, ids.size(), "a restarted node must not take an old node's proposals for its own");
        assertNotEquals(pending.proposer(), new PendingProposals(new Timer()).proposer());
    }

    @Test
    void concurrentRegistrationsAndOutcomesLeaveNothingBehind() throws Exception {
        int threads = 8;
        int perThread = 2_000;
        pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Set<Long>>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int kind = t % 3;
            workers.add(CompletableFuture.supplyAsync(() -> {
                Set<Long> seqs = new HashSet<>();
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < perThread; i++) {
                    CompletableFuture<CommandResult> f = new CompletableFuture<>();
                    long seq = pending.register(f);
                    seqs.add(seq);
                    switch (kind) {
                        case 0 -> pending.complete(seq, new CommandResult(seq, null));
                        case 1 -> pending.fail(seq, new RuntimeException("lost"));
                        default -> f.completeExceptionally(new TimeoutException());
                    }
                    if (kind == 0 && f.getNow(null).revision() != seq) {
                        throw new AssertionError("answered with another proposal's outcome");
                    }
                    if (!f.isDone()) {
                        throw new AssertionError("not completed: " + seq);
                    }
                }
                return seqs;
            }, pool));
        }
        start.countDown();

        Set<Long> all = new HashSet<>();
        for (CompletableFuture<Set<Long>> w : workers) {
            all.addAll(w.get(10, TimeUnit.SECONDS));
        }
        assertEquals(threads * perThread, all.size(), "no sequence number was handed out twice");
        assertEquals(0, pending.size());
    }
}
