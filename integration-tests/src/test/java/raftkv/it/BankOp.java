package raftkv.it;

import java.util.SortedMap;

/**
 * One operation of the bank workload as its history records it: a read of every account, or a transfer between
 * some of them. Times are {@link System#nanoTime()} of the one process that ran every client; {@code id} is unique
 * in that process. Account values are as {@link BankWorkload#value} writes them: a balance and the writer's tag.
 */
sealed interface BankOp permits BankOp.Read, BankOp.Transfer {

    int id();

    int client();

    long invokeNanos();

    /** When the answer came; {@link Long#MAX_VALUE} if it never did. */
    long completeNanos();

    /** OK: the answer is known. FAILED: it provably did not take effect. UNKNOWN: it may or may not have. */
    enum Outcome { OK, FAILED, UNKNOWN }

    /**
     * A linearizable range over the whole prefix, answered at {@code revision}: {@code values} holds every key it
     * returned. Only answered reads are recorded; a read whose answer was lost says nothing.
     */
    record Read(int id, int client, long revision, SortedMap<String, String> values, long invokeNanos,
                long completeNanos) implements BankOp {

        @Override
        public String toString() {
            return "read #" + id + " of client " + client + " at revision " + revision;
        }
    }

    /**
     * A txn that, if every account in {@code compared} still has the mod revision read at {@code readRevision}, puts
     * the values of {@code writes} (the same accounts). {@code succeeded} and {@code revision} are the answer's,
     * meaningful only when the outcome is {@link Outcome#OK}.
     */
    record Transfer(int id, int client, long readRevision, SortedMap<String, Long> compared,
                    SortedMap<String, String> writes, Outcome outcome, boolean succeeded, long revision,
                    long invokeNanos, long completeNanos) implements BankOp {

        /** Committed, as the cluster said. */
        boolean acknowledged() {
            return outcome == Outcome.OK && succeeded;
        }

        /** Answered with its compare failed: the cluster says it wrote nothing. */
        boolean refused() {
            return outcome == Outcome.OK && !succeeded;
        }

        Transfer answered(boolean ok, long rev, long complete) {
            return new Transfer(id, client, readRevision, compared, writes, Outcome.OK, ok, rev, invokeNanos,
                    complete);
        }

        Transfer ended(Outcome how) {
            return new Transfer(id, client, readRevision, compared, writes, how, false, 0, invokeNanos,
                    how == Outcome.FAILED ? invokeNanos : Long.MAX_VALUE);
        }

        @Override
        public String toString() {
            String answer = switch (outcome) {
                case OK -> succeeded ? "committed at revision " + revision : "refused at revision " + revision;
                case FAILED -> "failed";
                case UNKNOWN -> "of unknown outcome";
            };
            return "transfer #" + id + " of client " + client + " (read at " + readRevision + ", writes " + writes
                    + ", " + answer + ")";
        }
    }
}
