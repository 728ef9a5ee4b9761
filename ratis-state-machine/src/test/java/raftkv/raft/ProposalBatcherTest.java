package raftkv.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import raftkv.storage.request.PutRequest;

/**
 * The batcher against a fake {@code submit} whose replies the test completes by hand: what leaves, when, grouped how,
 * and what the waiting clients learn when an entry fails.
 */
class ProposalBatcherTest {

    /** One call of {@code submit}: the entry as it would go into the log, and its reply, completed by the test. */
    private record Sent(LogEntry entry, long[] seqs, CompletableFuture<Object> reply) {

        List<Command> commands() {
            return entry.proposals().stream().map(Proposal::command).toList();
        }
    }

    private final MetricRegistry registry = new MetricRegistry();
    private final RaftMetrics metrics = new RaftMetrics(registry);
    private final PendingProposals pending = new PendingProposals(metrics.proposeToOutcome);
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final BiFunction<byte[], long[], CompletableFuture<?>> recordingSubmit = (entry, seqs) -> {
        Sent s = new Sent(EntryCodec.decode(entry), seqs.clone(), new CompletableFuture<>());
        sent.add(s);
        return s.reply();
    };
    private ExecutorService pool;

    @AfterEach
    void stopPool() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private ProposalBatcher batcher(int maxInFlight, int maxCount, int maxBytes) {
        return new ProposalBatcher(pending, recordingSubmit, metrics, maxInFlight, maxCount, maxBytes);
    }

    private static Command compact(long revision) {
        return new Command.Compact(revision);
    }

    /** A put whose encoded command is exactly as long as any other made here with the same {@code valueBytes}. */
    private static Command put(int i, int valueBytes) {
        byte[] key = String.format("key-%04d", i).getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 'v');
        return new Command.Kv(PutRequest.of(key, value));
    }

    private static CompletableFuture<CommandResult> propose(ProposalBatcher b, Command c) {
        return b.propose(c, new CompletableFuture<>());
    }

    private static void assertEntrySeqsMatch(Sent s) {
        long[] inEntry = s.entry().proposals().stream().mapToLong(Proposal::seq).toArray();
        assertArrayEquals(s.seqs(), inEntry, "submit is told the sequence numbers the entry carries");
    }

    @Test
    void aLoneProposalIsSentAtOnceInAnEntryOfItsOwn() {
        ProposalBatcher b = batcher(1, 100, 1 << 20);
        CompletableFuture<CommandResult> f = propose(b, compact(7));

        assertEquals(1, sent.size(), "an idle pipeline sends without waiting for company");
        Sent s = sent.get(0);
        assertEquals(List.of(compact(7)), s.commands());
        assertEquals(pending.proposer(), s.entry().proposer(), "the entry names this member as its proposer");
        assertEntrySeqsMatch(s);
        assertFalse(f.isDone(), "the client waits for the outcome, not for the send");
        assertEquals(1, pending.size());
    }

    @Test
    void theLeadersAckAloneDoesNotAnswerTheClientTheApplyDoes() {
        ProposalBatcher b = batcher(1, 100, 1 << 20);
        CompletableFuture<CommandResult> f = propose(b, compact(1));
        sent.get(0).reply().complete("committed");
        assertFalse(f.isDone(), "a successful send carries no outcome of its own");

        CommandResult result = new CommandResult(42, null);
        pending.complete(sent.get(0).seqs()[0], result);
        assertSame(result, f.getNow(null));
        assertEquals(0, pending.size());
    }

    @Test
    void proposalsArrivingWhileThePipelineIsFullLeaveTogetherInOrderWhenAnEntryComesBack() {
        ProposalBatcher b = batcher(1, 100, 1 << 20);
        propose(b, compact(0));
        for (int i = 1; i <= 5; i++) {
            propose(b, compact(i));
        }
        assertEquals(1, sent.size(), "with one entry in flight the others wait: no timer sends them");

        sent.get(0).reply().complete(null);

        assertEquals(2, sent.size(), "everything that queued leaves in one entry");
        Sent batch = sent.get(1);
        assertEquals(List.of(compact(1), compact(2), compact(3), compact(4), compact(5)), batch.commands(),
                "in the order they were proposed");
        assertEntrySeqsMatch(batch);
        long[] seqs = batch.seqs();
        for (int i = 1; i < seqs.length; i++) {
            assertTrue(seqs[i] > seqs[i - 1], "sequence numbers rise with the proposal order: " + Arrays.toString(seqs));
        }
        assertTrue(seqs[0] > sent.get(0).seqs()[0]);
    }

    @Test
    void upToMaxInFlightEntriesAreOnTheirWayAtOnce() {
        ProposalBatcher b = batcher(3, 100, 1 << 20);
        for (int i = 0; i < 3; i++) {
            propose(b, compact(i));
        }
        assertEquals(3, sent.size(), "each of the first three finds a free slot and goes alone");
        sent.forEach(s -> assertEquals(1, s.commands().size()));

        propose(b, compact(3));
        propose(b, compact(4));
        assertEquals(3, sent.size(), "the fourth waits for a slot");

        sent.get(1).reply().complete(null); // any entry coming back frees a slot, not only the oldest
        assertEquals(4, sent.size());
        assertEquals(List.of(compact(3), compact(4)), sent.get(3).commands());
    }

    @Test
    void anEntryCarriesAtMostMaxCountProposalsAndTheRestWaitForTheNextSlot() {
        ProposalBatcher b = batcher(1, 3, 1 << 20);
        propose(b, compact(0));
        for (int i = 1; i <= 7; i++) {
            propose(b, compact(i));
        }
        assertEquals(1, sent.size());

        sent.get(0).reply().complete(null);
        assertEquals(2, sent.size(), "one slot came free: one entry leaves, however much is queued");
        assertEquals(List.of(compact(1), compact(2), compact(3)), sent.get(1).commands());

        sent.get(1).reply().complete(null);
        assertEquals(List.of(compact(4), compact(5), compact(6)), sent.get(2).commands());

        sent.get(2).reply().complete(null);
        assertEquals(List.of(compact(7)), sent.get(3).commands());

        sent.get(3).reply().complete(null);
        assertEquals(4, sent.size(), "nothing queued, nothing sent");
        assertEquals(4, metrics.entriesProposed.getCount());
        assertEquals(8, metrics.proposed.getCount());
    }

    @Test
    void anEntryHoldsNoMoreCommandBytesThanMaxBytesWithTheLimitItselfAllowed() {
        int size = EntryCodec.encodeCommand(put(0, 100)).length;
        ProposalBatcher b = batcher(1, 100, 2 * size); // exactly two commands fit
        propose(b, put(0, 100));
        for (int i = 1; i <= 5; i++) {
            propose(b, put(i, 100));
        }
        for (int i = 0; i < 4 && i < sent.size(); i++) {
            sent.get(i).reply().complete(null);
        }

        assertEquals(List.of(put(0, 100)), sent.get(0).commands());
        assertEquals(List.of(put(1, 100), put(2, 100)), sent.get(1).commands(), "2 x size == maxBytes still fits");
        assertEquals(List.of(put(3, 100), put(4, 100)), sent.get(2).commands());
        assertEquals(List.of(put(5, 100)), sent.get(3).commands());
        for (Sent s : sent) {
            int bytes = s.commands().stream().mapToInt(c -> EntryCodec.encodeCommand(c).length).sum();
            assertTrue(bytes <= 2 * size, "entry of " + bytes + " command bytes, limit " + 2 * size);
        }
    }

    @Test
    void aCommandOneByteOverTheRemainingRoomWaitsForTheNextEntry() {
        int size = EntryCodec.encodeCommand(put(0, 100)).length;
        ProposalBatcher b = batcher(1, 100, 2 * size - 1); // two commands are one byte too many
        propose(b, put(0, 100));
        propose(b, put(1, 100));
        propose(b, put(2, 100));
        sent.get(0).reply().complete(null);
        sent.get(1).reply().complete(null);

        assertEquals(3, sent.size());
        assertEquals(List.of(put(1, 100)), sent.get(1).commands());
        assertEquals(List.of(put(2, 100)), sent.get(2).commands());
    }

    @Test
    void aCommandLargerThanMaxBytesIsSentAloneRatherThanHeldForever() {
        ProposalBatcher b = batcher(1, 100, 64);
        propose(b, compact(0));
        propose(b, put(1, 1000)); // > maxBytes on its own
        propose(b, compact(2));
        sent.get(0).reply().complete(null);
        assertEquals(List.of(put(1, 1000)), sent.get(1).commands(), "an oversized command travels alone");
        sent.get(1).reply().complete(null);
        assertEquals(List.of(compact(2)), sent.get(2).commands());
    }

    @Test
    void aFailedEntryFailsEveryProposalItCarriedWithTheSendersErrorAndNoOther() throws Exception {
        ProposalBatcher b = batcher(2, 100, 1 << 20);
        CompletableFuture<CommandResult> alone = propose(b, compact(0));
        CompletableFuture<CommandResult> other = propose(b, compact(1));
        List<CompletableFuture<CommandResult>> batched = new ArrayList<>();
        for (int i = 2; i < 6; i++) {
            batched.add(propose(b, compact(i)));
        }
        sent.get(0).reply().complete(null); // frees a slot: the four queued leave together
        assertEquals(3, sent.size());
        assertEquals(4, sent.get(2).commands().size());

        RuntimeException leaderLost = new IllegalStateException("not leader: the entry may be lost");
        sent.get(2).reply().completeExceptionally(leaderLost);

        for (CompletableFuture<CommandResult> f : batched) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
            assertSame(leaderLost, e.getCause(), "the client learns the sender's own error, at once");
        }
        assertFalse(alone.isDone(), "an entry that was sent fine still waits for its apply");
        assertFalse(other.isDone(), "a proposal of another entry in flight is not touched");
        assertEquals(2, pending.size(), "the failed ones are forgotten; the others still wait");
        assertEquals(4, metrics.proposalsFailed.getCount());
    }

    @Test
    void aFailedEntryFreesItsSlotForTheProposalsQueuedBehindIt() {
        ProposalBatcher b = batcher(1, 100, 1 << 20);
        CompletableFuture<CommandResult> first = propose(b, compact(0));
        CompletableFuture<CommandResult> second = propose(b, compact(1));
        sent.get(0).reply().completeExceptionally(new RuntimeException("timed out"));

        assertTrue(first.isCompletedExceptionally());
        assertEquals(2, sent.size(), "the pipeline goes on after a failure");
        assertEquals(List.of(compact(1)), sent.get(1).commands());
        assertFalse(second.isDone());
    }

    @Test
    void aSubmitThatThrowsFailsItsProposalsAndDoesNotHoldItsSlot() {
        AtomicInteger calls = new AtomicInteger();
        RuntimeException refused = new java.util.concurrent.RejectedExecutionException("sender closed");
        ProposalBatcher b = new ProposalBatcher(pending, (entry, seqs) -> {
            if (calls.incrementAndGet() == 1) {
                throw refused;
            }
            return recordingSubmit.apply(entry, seqs);
        }, metrics, 1, 100, 1 << 20);

        CompletableFuture<CommandResult> first = propose(b, compact(0));
        ExecutionException e = assertThrows(ExecutionException.class, () -> first.get(1, TimeUnit.SECONDS));
        assertSame(refused, e.getCause());
        assertEquals(0, pending.size());

        CompletableFuture<CommandResult> second = propose(b, compact(1));
        assertEquals(1, sent.size(), "the slot of the entry that never left was given back");
        assertEquals(List.of(compact(1)), sent.get(0).commands());
        assertFalse(second.isDone());
    }

    @Test
    void aProposalThatGivesUpWhileQueuedIsForgottenAndDoesNotStallThePipeline() {
        ProposalBatcher b = batcher(1, 100, 1 << 20);
        propose(b, compact(0));
        CompletableFuture<CommandResult> impatient = propose(b, compact(1));
        impatient.completeExceptionally(new java.util.concurrent.TimeoutException("request timeout"));
        assertEquals(1, pending.size(), "a client that gave up leaves the registry at once");

        CompletableFuture<CommandResult> later = propose(b, compact(2));
        sent.get(0).reply().complete(null);
        pending.complete(sent.get(0).seqs()[0], new CommandResult(1, null));

        assertEquals(2, sent.size());
        assertTrue(sent.get(1).commands().contains(compact(2)), "later proposals still leave");
        // Whatever the batcher does with the abandoned command (its outcome is unknown to its client either way),
        // the later proposal is answered by its own sequence number.
        int at = sent.get(1).commands().indexOf(compact(2));
        CommandResult r = new CommandResult(2, null);
        pending.complete(sent.get(1).seqs()[at], r);
        assertSame(r, later.getNow(null));
        assertEquals(0, pending.size());
    }

    @Test
    void concurrentProposersEachGetTheirOwnOutcomeAndEveryCommandIsSentExactlyOnce() throws Exception {
        int threads = 8;
        int perThread = 250;
        int maxInFlight = 3;
        int maxCount = 16;
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxSeenInFlight = new AtomicInteger();
        List<LogEntry> entries = new CopyOnWriteArrayList<>();
        ExecutorService apply = Executors.newSingleThreadExecutor();
        pool = Executors.newFixedThreadPool(threads + 1);
        // A fake leader: acknowledges each entry a little later on another thread, then "applies" it, answering
        // every proposal with its own command's revision so that a mix-up of sequence numbers shows.
        ProposalBatcher b = new ProposalBatcher(pending, (bytes, seqs) -> {
            maxSeenInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            LogEntry entry = EntryCodec.decode(bytes);
            entries.add(entry);
            return CompletableFuture.runAsync(() -> {
                inFlight.decrementAndGet();
                for (Proposal p : entry.proposals()) {
                    pending.complete(p.seq(), new CommandResult(((Command.Compact) p.command()).revision(), null));
                }
            }, CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS, apply));
        }, metrics, maxInFlight, maxCount, 1 << 20);

        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<List<CompletableFuture<CommandResult>>>> proposers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            proposers.add(CompletableFuture.supplyAsync(() -> {
                List<CompletableFuture<CommandResult>> mine = new ArrayList<>();
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < perThread; i++) {
                    mine.add(propose(b, compact(base + i)));
                }
                return mine;
            }, pool));
        }
        start.countDown();

        try {
            for (int t = 0; t < threads; t++) {
                List<CompletableFuture<CommandResult>> mine = proposers.get(t).get(10, TimeUnit.SECONDS);
                for (int i = 0; i < perThread; i++) {
                    assertEquals(t * perThread + i, mine.get(i).get(10, TimeUnit.SECONDS).revision(),
                            "each client gets the outcome of its own command");
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> inFlight.get() == 0);
        } finally {
            apply.shutdownNow();
        }

        Set<Long> seen = new HashSet<>();
        int total = 0;
        for (LogEntry e : entries) {
            assertTrue(e.proposals().size() <= maxCount, "entry of " + e.proposals().size());
            for (Proposal p : e.proposals()) {
                assertTrue(seen.add(((Command.Compact) p.command()).revision()), "sent twice: " + p);
                total++;
            }
        }
        assertEquals(threads * perThread, total, "every command was sent");
        assertTrue(maxSeenInFlight.get() <= maxInFlight, "in flight at once: " + maxSeenInFlight.get());
        assertTrue(entries.size() < total, "a busy pipeline batched: " + entries.size() + " entries");
        assertEquals(0, pending.size(), "nothing left waiting");
        assertEquals(total, metrics.proposed.getCount());
    }
}
