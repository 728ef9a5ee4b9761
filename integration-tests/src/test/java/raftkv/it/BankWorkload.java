package raftkv.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import raftkv.client.Cmp;
import raftkv.client.DeleteOptions;
import raftkv.client.GetOptions;
import raftkv.client.KeyValue;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.RaftKvException;
import raftkv.client.Responses;
import raftkv.client.Txn;
import raftkv.client.TxnOp;

/**
 * Concurrent clients moving money between a few accounts with multi-key txns, the classic bank test of snapshot
 * isolation: no transfer creates or destroys money, so every consistent state has the same total, and a read that
 * sees half a txn sees a different one. {@link BankChecks} checks the recorded history.
 *
 * <p>A transfer reads every account in one range (one revision), picks two or more, and commits new balances for
 * them guarded by each one's mod revision as read: if another transfer touched one of them in between, the compare
 * fails and nothing is written. Each client is one thread with one operation in flight, through its own client
 * library instance that prefers a different member. Every value written carries its writer's tag, so each revision
 * of the store's history can be traced to the one transfer that made it.
 */
final class BankWorkload implements AutoCloseable {

    static final String PREFIX = "bank/";
    static final long INITIAL_BALANCE = 100;

    /** Unique across every workload in this JVM, so writer tags never repeat. */
    private static final AtomicInteger ids = new AtomicInteger();

    private final List<BankOp> history = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final AtomicLong lastCommitNanos = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<RaftKv> clients = new ArrayList<>();
    private final List<String> accounts;
    private final SortedMap<String, String> initial = new TreeMap<>();
    private final long initRevision;
    private final ExecutorService threads;

    /** Creates {@code accountCount} accounts under {@link #PREFIX} in one txn, then starts the clients. */
    BankWorkload(List<String> endpoints, long seed, int clientCount, int accountCount) {
        if (accountCount < 3) {
            throw new IllegalArgumentException("accounts: at least 3 (transfers touch two or three), not "
                    + accountCount);
        }
        accounts = IntStream.range(0, accountCount).mapToObj(BankWorkload::account).toList();
        for (int c = 0; c < clientCount; c++) {
            List<String> mine = new ArrayList<>(endpoints);
            Collections.rotate(mine, -(c % endpoints.size()));
            clients.add(RaftKv.builder().endpoints(mine).timeout(Duration.ofSeconds(4))
                    .connectTimeout(Duration.ofMillis(500)).build());
        }
        String tag = "init" + ids.getAndIncrement();
        accounts.forEach(a -> initial.put(a, value(INITIAL_BALANCE, tag)));
        try {
            initRevision = createAccounts(clients.get(0));
        } catch (RuntimeException e) {
            clients.forEach(RaftKv::close);
            throw e;
        }
        threads = Executors.newFixedThreadPool(clientCount);
        for (int c = 0; c < clientCount; c++) {
            RaftKv kv = clients.get(c);
            int client = c;
            Random rnd = new Random(seed * 1_000 + c);
            threads.execute(() -> {
                while (running.get()) {
                    runOne(kv, client, rnd);
                }
            });
        }
    }

    static String account(int i) {
        return PREFIX + "a" + i;
    }

    /** An account's value: its balance and the tag of the transfer (or initialisation) that wrote it. */
    static String value(long balance, String writer) {
        return balance + "@" + writer;
    }

    /** The balance in a value; NumberFormatException if it holds none. */
    static long balance(String value) {
        int at = value.indexOf('@');
        return Long.parseLong(at < 0 ? value : value.substring(0, at));
    }

    /** The writer's tag in a value ("" if it has none). */
    static String writer(String value) {
        int at = value.indexOf('@');
        return at < 0 ? "" : value.substring(at + 1);
    }

    /** The tag a transfer's values carry. */
    static String tag(int transferId) {
        return "t" + transferId;
    }

    /**
     * Clears the prefix and creates every account in one txn, retrying until one attempt is answered. An earlier
     * attempt whose answer was lost may have been applied too, before the answered one: the history starts at the
     * answered one's revision.
     */
    private long createAccounts(RaftKv kv) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                await(kv.kv().delete(PREFIX, DeleteOptions.DEFAULT.withPrefix()));
                Txn create = kv.kv().txn();
                initial.forEach((k, v) -> create.then(TxnOp.put(k, v, PutOptions.DEFAULT)));
                return await(create.commit()).header().revision();
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not create the bank accounts within 60 s", e);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted creating the bank accounts", ie);
                }
            }
        }
    }

    /** A read of every account; three times in four, a transfer based on it. */
    private void runOne(RaftKv kv, int client, Random rnd) {
        Responses.Get seen = read(kv, client);
        if (seen != null && rnd.nextInt(4) > 0) {
            transfer(kv, client, rnd, seen);
        }
    }

    /** Records the read and returns its answer, or null if the answer was lost. */
    private Responses.Get read(RaftKv kv, int client) {
        int id = ids.getAndIncrement();
        long invoke = System.nanoTime();
        try {
            Responses.Get r = await(kv.kv().get(PREFIX, GetOptions.DEFAULT.withPrefix()));
            history.add(new BankOp.Read(id, client, r.header().revision(), values(r), invoke, System.nanoTime()));
            return r;
        } catch (Exception e) {
            countFailure(e);
            return null;
        }
    }

    private static SortedMap<String, String> values(Responses.Get r) {
        SortedMap<String, String> values = new TreeMap<>();
        r.kvs().forEach(kv -> values.put(kv.keyString(), kv.valueString()));
        return values;
    }

    /**
     * Moves a random amount between two accounts (or redistributes three or more) as read in {@code seen},
     * guarded by their mod revisions as read. A read that is not the full set of accounts with balances is left
     * for the checks to report.
     */
    private void transfer(RaftKv kv, int client, Random rnd, Responses.Get seen) {
        Map<String, KeyValue> byKey = new HashMap<>();
        seen.kvs().forEach(x -> byKey.put(x.keyString(), x));
        if (!byKey.keySet().equals(new HashSet<>(accounts))) {
            return;
        }
        List<String> shuffled = new ArrayList<>(accounts);
        Collections.shuffle(shuffled, rnd);
        List<String> touched = shuffled.subList(0, rnd.nextInt(4) > 0 ? 2 : 3 + rnd.nextInt(accounts.size() - 2));
        long sum = 0;
        try {
            for (String a : touched) {
                sum += balance(byKey.get(a).valueString());
            }
        } catch (NumberFormatException e) {
            return;
        }
        long[] balances = split(rnd, sum, touched.size());
        int id = ids.getAndIncrement();
        SortedMap<String, Long> compared = new TreeMap<>();
        SortedMap<String, String> writes = new TreeMap<>();
        Txn txn = kv.kv().txn();
        for (int i = 0; i < touched.size(); i++) {
            String a = touched.get(i);
            compared.put(a, byKey.get(a).modRevision());
            writes.put(a, value(balances[i], tag(id)));
            txn.when(Cmp.modRevision(a, Cmp.Op.EQUAL, byKey.get(a).modRevision()))
                    .then(TxnOp.put(a, writes.get(a), PutOptions.DEFAULT));
        }
        long invoke = System.nanoTime();
        var asked = new BankOp.Transfer(id, client, seen.header().revision(), compared, writes,
                BankOp.Outcome.UNKNOWN, false, 0, invoke, Long.MAX_VALUE);
        try {
            Responses.Txn r = await(txn.commit());
            long complete = System.nanoTime();
            if (r.succeeded()) {
                lastCommitNanos.set(complete);
            }
            history.add(asked.answered(r.succeeded(), r.header().revision(), complete));
        } catch (Exception e) {
            Throwable cause = countFailure(e);
            history.add(asked.ended(RegisterWorkload.definitelyNotApplied(cause) ? BankOp.Outcome.FAILED : BankOp.Outcome.UNKNOWN));
        }
    }

    /** {@code parts} random non-negative amounts that add up to {@code sum}: cuts of [0, sum] at random points. */
    private static long[] split(Random rnd, long sum, int parts) {
        long[] cuts = new long[parts + 1];
        cuts[parts] = sum;
        for (int i = 1; i < parts; i++) {
            cuts[i] = rnd.nextLong(sum + 1);
        }
        java.util.Arrays.sort(cuts, 1, parts);
        long[] out = new long[parts];
        for (int i = 0; i < parts; i++) {
            out[i] = cuts[i + 1] - cuts[i];
        }
        return out;
    }

    private Throwable countFailure(Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        failures.computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
        return cause;
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(6, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
    }

    /**
     * One linearizable read of every account through each of {@code endpoints} alone, by client {@code -(i + 1)}
     * for the i-th: after the faults are healed, every member must serve the whole, consistent state.
     */
    static List<BankOp.Read> readEachMember(List<String> endpoints) {
        List<BankOp.Read> reads = new ArrayList<>();
        for (int i = 0; i < endpoints.size(); i++) {
            try (RaftKv kv = RaftKv.builder().endpoints(endpoints.get(i)).timeout(Duration.ofSeconds(10)).build()) {
                int id = ids.getAndIncrement();
                long invoke = System.nanoTime();
                Responses.Get r = kv.kv().get(PREFIX, GetOptions.DEFAULT.withPrefix()).join();
                reads.add(new BankOp.Read(id, -(i + 1), r.header().revision(), values(r), invoke,
                        System.nanoTime()));
            }
        }
        return reads;
    }

    /** The revision the accounts were created at: replay the store's history of {@link #PREFIX} from here. */
    long initRevision() {
        return initRevision;
    }

    /** When the last transfer was committed, as {@link System#nanoTime()} (0: none yet). */
    long lastCommitNanos() {
        return lastCommitNanos.get();
    }

    int size() {
        return history.size();
    }

    /** Errors the clients met, by exception class. */
    Map<String, AtomicInteger> failures() {
        return failures;
    }

    /** Stops the clients (each finishes its operation in flight) and returns the history. */
    BankHistory stop() throws InterruptedException {
        running.set(false);
        threads.shutdown();
        // A transfer is a read and a txn, each up to 6 s.
        if (!threads.awaitTermination(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("bank workload clients did not stop");
        }
        synchronized (history) {
            return new BankHistory(initRevision, initial, history);
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            if (running.get()) {
                stop();
            }
        } finally {
            clients.forEach(RaftKv::close);
        }
    }
}
