package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import raftkv.client.WatchEvent;

/**
 * The bank checks on histories made by a small serial bank (one operation at a time, obviously correct), then
 * broken in one place each: every break must fail with a message that names what broke.
 */
class BankChecksTest {

    private static final int CLIENTS = 3;

    @Test
    void aSerialBankHistoryPasses() {
        SerialBank bank = SerialBank.run();

        BankChecks.Summary s = BankChecks.verify(bank.history(), bank.events);

        assertEquals(count(bank, BankOp.Read.class), s.reads());
        assertTrue(s.committed() > 50, s.line());
        assertEquals(1, s.refused(), s.line());
        assertEquals(2, s.unknown(), s.line());
        assertEquals(1, s.unknownApplied(), s.line());
        assertEquals(1, s.failed(), s.line());
        assertEquals(s.committed() + s.unknownApplied() + 1, s.revisions(), s.line());
    }

    @Test
    void aReadThatSeesHalfATransferFails() {
        SerialBank bank = SerialBank.run();
        BankOp.Read read = bank.readBefore(bank.committed.get(20));
        BankOp.Transfer next = bank.committed.get(20);
        // One account as the next transfer left it, the other as before it.
        SortedMap<String, String> half = new TreeMap<>(read.values());
        String first = next.writes().firstKey();
        half.put(first, next.writes().get(first));

        assertFails(() -> BankChecks.verify(bank.with(read, withValues(read, read.revision(), half)), bank.events),
                read + " sees a total of ");
    }

    @Test
    void aReadOfAStateThatNeverExistedFails() {
        SerialBank bank = SerialBank.run();
        BankOp.Read read = bank.readBefore(bank.committed.get(20));
        // The total is kept: two balances swapped.
        SortedMap<String, String> swapped = new TreeMap<>(read.values());
        swapped.put(BankWorkload.account(0), read.values().get(BankWorkload.account(1)));
        swapped.put(BankWorkload.account(1), read.values().get(BankWorkload.account(0)));

        assertFails(() -> BankChecks.verify(bank.with(read, withValues(read, read.revision(), swapped)), bank.events),
                read + " sees a state the store never held");
    }

    @Test
    void aClientWhoseReadGoesBackInTimeFails() {
        SerialBank bank = SerialBank.run();
        BankOp.Read read = bank.readBefore(bank.committed.get(30));
        // A true state of the store, but older than the client's own commit before it: a stale read.
        long stale = bank.committed.get(10).revision();
        BankOp.Read staleRead = withValues(read, stale, bank.states.floorEntry(stale).getValue());

        assertFails(() -> BankChecks.verify(bank.with(read, staleRead), bank.events),
                "client " + read.client() + " went back in time: " + staleRead + " follows ");
    }

    @Test
    void aReadOlderThanAnotherClientsAnsweredCommitFails() {
        SerialBank bank = SerialBank.run();
        BankOp.Transfer other = bank.committed.get(29);
        BankOp.Read read = bank.readBefore(bank.committed.get(30));
        // A true state as of the client's own previous operation: in order for the client, stale for the cluster.
        BankOp mine = bank.ops.subList(0, bank.ops.indexOf(read)).stream()
                .filter(op -> op.client() == read.client()).reduce((a, b) -> b).orElseThrow();
        long stale = mine instanceof BankOp.Read r ? r.revision() : ((BankOp.Transfer) mine).revision();
        assertTrue(stale < other.revision() && other.client() != read.client());
        BankOp.Read staleRead = withValues(read, stale, bank.states.floorEntry(stale).getValue());

        assertFails(() -> BankChecks.verify(bank.with(read, staleRead), bank.events),
                staleRead + " is older than " + other + ", which was answered before it was invoked (a stale read)");
    }

    @Test
    void aStoreRevisionHoldingHalfATransferFails() {
        SerialBank bank = SerialBank.run();
        BankOp.Transfer t = bank.committed.get(15);
        List<WatchRecorder.Seen> events = new ArrayList<>(bank.events);
        events.removeIf(e -> e.revision() == t.revision() && e.key().equals(t.writes().firstKey()));

        assertFails(() -> BankChecks.verify(bank.history(), events),
                "the store's revision " + t.revision() + " holds a partial or altered " + t);
    }

    @Test
    void aCommittedTransferMissingFromTheStoreFails() {
        SerialBank bank = SerialBank.run();
        BankOp.Transfer last = bank.committed.get(bank.committed.size() - 1);
        List<WatchRecorder.Seen> events = new ArrayList<>(bank.events);
        events.removeIf(e -> e.revision() == last.revision());

        assertFails(() -> BankChecks.verify(bank.history(), events), last + " is not in the store's history");
    }

    @Test
    void aRefusedTransferFoundInTheStoreFails() {
        SerialBank bank = SerialBank.run();
        BankOp.Transfer refused = bank.refused;
        long rev = bank.revision + 1;
        List<WatchRecorder.Seen> events = new ArrayList<>(bank.events);
        refused.writes().forEach((k, v) -> events.add(new WatchRecorder.Seen(rev, k, WatchEvent.Type.PUT, v)));

        assertFails(() -> BankChecks.verify(bank.history(), events),
                "the store's revision " + rev + " applied " + refused);
    }

    private static void assertFails(Executable check, String message) {
        AssertionError e = assertThrows(AssertionError.class, check);
        assertTrue(e.getMessage().contains(message), "expected a failure saying\n  " + message + "\nbut it said\n  "
                + e.getMessage());
    }

    private static BankOp.Read withValues(BankOp.Read r, long revision, SortedMap<String, String> values) {
        return new BankOp.Read(r.id(), r.client(), revision, values, r.invokeNanos(), r.completeNanos());
    }

    private static long count(SerialBank bank, Class<?> kind) {
        return bank.ops.stream().filter(kind::isInstance).count();
    }

    /**
     * A bank run one operation at a time by {@link #CLIENTS} clients in turn, writing now and then to other keys
     * (revisions the bank's history lacks), with one refused transfer, one failed, and two of unknown outcome (one
     * applied). What it records is right by construction.
     */
    private static final class SerialBank {
        final SortedMap<String, String> initial = new TreeMap<>();
        final SortedMap<String, String> values = new TreeMap<>();
        final Map<String, Long> mods = new TreeMap<>();
        final TreeMap<Long, SortedMap<String, String>> states = new TreeMap<>();
        final List<BankOp> ops = new ArrayList<>();
        final List<WatchRecorder.Seen> events = new ArrayList<>();
        final List<BankOp.Transfer> committed = new ArrayList<>();
        final Random rnd = new Random(7);
        final long initRevision = 10;
        BankOp.Transfer refused;
        long revision = initRevision;
        long clock;
        int ids;

        static SerialBank run() {
            SerialBank b = new SerialBank();
            for (int i = 0; i < 60; i++) {
                int client = i % CLIENTS;
                BankOp.Read read = b.read(client);
                b.revision += b.rnd.nextInt(3); // writes to other keys
                b.transfer(client, read, BankOp.Outcome.OK, true);
                if (i % 4 == 0) {
                    b.read(client); // a read alone
                }
            }
            b.transfer(2, b.read(2), BankOp.Outcome.UNKNOWN, true);
            b.transfer(2, b.read(2), BankOp.Outcome.UNKNOWN, false);
            b.transfer(1, b.read(1), BankOp.Outcome.FAILED, false);
            // Client 0 reads, client 1 commits a transfer between a0 and a1 (the last revision), client 0's is
            // refused.
            BankOp.Read stale = b.read(0);
            b.transfer(1, b.read(1), BankOp.Outcome.OK, true, 0, 1);
            b.refused = b.transfer(0, stale, BankOp.Outcome.OK, true, 1, 0);
            return b;
        }

        SerialBank() {
            for (int a = 0; a < 5; a++) {
                String account = BankWorkload.account(a);
                String v = BankWorkload.value(BankWorkload.INITIAL_BALANCE, "init");
                initial.put(account, v);
                values.put(account, v);
                mods.put(account, initRevision);
                events.add(new WatchRecorder.Seen(initRevision, account, WatchEvent.Type.PUT, v));
            }
            states.put(initRevision, new TreeMap<>(values));
        }

        BankOp.Read read(int client) {
            BankOp.Read r = new BankOp.Read(ids++, client, revision, new TreeMap<>(values), ++clock, ++clock);
            ops.add(r);
            return r;
        }

        BankOp.Transfer transfer(int client, BankOp.Read basis, BankOp.Outcome outcome, boolean applies) {
            int a = rnd.nextInt(5);
            return transfer(client, basis, outcome, applies, a, (a + 1 + rnd.nextInt(4)) % 5);
        }

        /**
         * Moves 1 to 10 from the richer of accounts {@code a} and {@code b} to the other, as they were read at
         * {@code basis}, if their mod revisions are still as read then; {@code applies}: if it may.
         */
        BankOp.Transfer transfer(int client, BankOp.Read basis, BankOp.Outcome outcome, boolean applies, int a,
                                 int b) {
            String from = BankWorkload.account(a);
            String to = BankWorkload.account(b);
            if (BankWorkload.balance(basis.values().get(from)) < BankWorkload.balance(basis.values().get(to))) {
                String swap = from;
                from = to;
                to = swap;
            }
            long amount = 1 + rnd.nextInt(10);
            int id = ids++;
            SortedMap<String, Long> compared = new TreeMap<>();
            SortedMap<String, String> writes = new TreeMap<>();
            for (String k : List.of(from, to)) {
                compared.put(k, modAt(basis.revision(), k));
                long balance = BankWorkload.balance(basis.values().get(k)) + (k.equals(from) ? -amount : amount);
                writes.put(k, BankWorkload.value(balance, BankWorkload.tag(id)));
            }
            boolean holds = compared.entrySet().stream().allMatch(c -> c.getValue().equals(mods.get(c.getKey())));
            var t = new BankOp.Transfer(id, client, basis.revision(), compared, writes, BankOp.Outcome.UNKNOWN,
                    false, 0, ++clock, Long.MAX_VALUE);
            if (holds && applies) {
                revision++;
                writes.forEach((k, v) -> events.add(new WatchRecorder.Seen(revision, k, WatchEvent.Type.PUT, v)));
                values.putAll(writes);
                writes.keySet().forEach(k -> mods.put(k, revision));
                states.put(revision, new TreeMap<>(values));
            }
            t = outcome == BankOp.Outcome.OK ? t.answered(holds, revision, ++clock) : t.ended(outcome);
            if (t.acknowledged()) {
                committed.add(t);
            }
            ops.add(t);
            return t;
        }

        /** The mod revision of {@code key} at {@code rev}, from the events. */
        private long modAt(long rev, String key) {
            return events.stream().filter(e -> e.key().equals(key) && e.revision() <= rev)
                    .mapToLong(WatchRecorder.Seen::revision).max().orElseThrow();
        }

        /** The read each committed transfer was based on: the one just before it. */
        BankOp.Read readBefore(BankOp.Transfer t) {
            BankOp before = ops.get(ops.indexOf(t) - 1);
            return (BankOp.Read) before;
        }

        BankHistory history() {
            return new BankHistory(initRevision, initial, ops);
        }

        /** The history with {@code op} replaced by {@code by}. */
        BankHistory with(BankOp op, BankOp by) {
            List<BankOp> changed = new ArrayList<>(ops);
            changed.set(changed.indexOf(op), by);
            return new BankHistory(initRevision, initial, changed);
        }
    }
}
