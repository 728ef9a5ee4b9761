package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The one producer of empty entries keeps its two limits for every caller, and counts what it appends. */
class EmptyEntriesTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<CompletableFuture<Object>> sent = new ArrayList<>();
    private final Counter appended = new Counter();
    private final EmptyEntries entries = new EmptyEntries(() -> {
        CompletableFuture<Object> f = new CompletableFuture<>();
        sent.add(f);
        return f;
    }, appended, now::get, Duration.ofSeconds(10));

    private void advanceMs(long ms) {
        now.addAndGet(ms * 1_000_000);
    }

    @Test
    void oneAtATimeWhateverTheReason() {
        assertTrue(entries.append(EmptyEntries.Reason.END_OF_BURST));
        advanceMs(100);
        assertFalse(entries.append(EmptyEntries.Reason.READ_INDEX), "one is still in flight");
        assertFalse(entries.append(EmptyEntries.Reason.LAGGING_FOLLOWER));
        sent.get(0).complete(null);
        assertTrue(entries.append(EmptyEntries.Reason.READ_INDEX));
        assertEquals(2, sent.size());
        assertEquals(2, appended.getCount());
    }

    @Test
    void neverTwoWithinTheMinimumGap() {
        assertTrue(entries.append(EmptyEntries.Reason.READ_INDEX));
        sent.get(0).complete(null);
        advanceMs(EmptyEntries.MIN_GAP_MS - 1);
        assertFalse(entries.append(EmptyEntries.Reason.READ_INDEX), "too soon after the last one");
        advanceMs(1);
        assertTrue(entries.append(EmptyEntries.Reason.READ_INDEX));
        assertEquals(2, appended.getCount());
    }

    @Test
    void aFailedOrThrowingSendFreesTheSlot() {
        assertTrue(entries.append(EmptyEntries.Reason.END_OF_BURST));
        sent.get(0).completeExceptionally(new RuntimeException("no leader"));
        advanceMs(EmptyEntries.MIN_GAP_MS);
        assertTrue(entries.append(EmptyEntries.Reason.END_OF_BURST));

        EmptyEntries throwing = new EmptyEntries(() -> {
            throw new IllegalStateException("closing");
        }, new Counter(), now::get, Duration.ofSeconds(10));
        assertTrue(throwing.append(EmptyEntries.Reason.READ_INDEX));
        advanceMs(EmptyEntries.MIN_GAP_MS);
        assertTrue(throwing.append(EmptyEntries.Reason.READ_INDEX), "a send that threw is not in flight");
    }

    @Test
    void anEntryUnansweredPastTheTimeoutStopsHoldingTheSlot() {
        assertTrue(entries.append(EmptyEntries.Reason.READ_INDEX));
        advanceMs(9_999);
        assertFalse(entries.append(EmptyEntries.Reason.READ_INDEX), "still within the request timeout");
        advanceMs(1);
        assertTrue(entries.append(EmptyEntries.Reason.READ_INDEX), "the first one is given up on");
        sent.get(0).complete(null);
        advanceMs(EmptyEntries.MIN_GAP_MS);
        assertFalse(entries.append(EmptyEntries.Reason.READ_INDEX), "the late answer of the first does not free the"
                + " second's slot");
        sent.get(1).complete(null);
        assertTrue(entries.append(EmptyEntries.Reason.READ_INDEX));
    }
}
