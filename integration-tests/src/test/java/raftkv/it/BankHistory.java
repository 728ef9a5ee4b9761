package raftkv.it;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * What a bank workload recorded: the accounts as one txn created them at {@code initRevision} (every later state
 * must keep their total), and every operation after that.
 */
record BankHistory(long initRevision, SortedMap<String, String> initial, List<BankOp> ops) {

    BankHistory {
        initial = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(initial));
        ops = List.copyOf(ops);
    }

    /** The sum of every balance, which no transfer changes. */
    long total() {
        return initial.values().stream().mapToLong(BankWorkload::balance).sum();
    }

    /** This history with {@code more} operations (final reads through each member, say). */
    BankHistory plus(List<? extends BankOp> more) {
        List<BankOp> all = new ArrayList<>(ops);
        all.addAll(more);
        return new BankHistory(initRevision, initial, all);
    }
}
