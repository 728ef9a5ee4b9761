package raftkv.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import raftkv.client.Cmp;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.RaftKvException;
import raftkv.client.TxnOp;
import raftkv.it.history.Operation;

/**
 * Concurrent clients running a register workload (get, put, compare-and-set, delete) on a few keys, each through
 * its own client library instance that prefers a different member, recording every operation for the
 * linearizability checker. Values are unique, so every value seen can be traced to the one write that made it.
 *
 * <p>Each client is one thread with one operation in flight. An answer lost to a dead or frozen node is recorded as
 * of unknown outcome; an error the cluster returned (no space, say) as failed.
 */
final class RegisterWorkload implements AutoCloseable {

    static final String PREFIX = "reg/";

    private final List<Operation> history = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    private final Map<String, String> lastWritten = new ConcurrentHashMap<>();
    /** Unique across every workload in this JVM, so values (which carry the id) never repeat. */
    private static final AtomicInteger ids = new AtomicInteger();
    private final AtomicLong lastAckNanos = new AtomicLong();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<RaftKv> clients = new ArrayList<>();
    private final ExecutorService threads;
    private final int keys;

    RegisterWorkload(List<String> endpoints, long seed, int clientCount, int keys) {
        this.keys = keys;
        threads = Executors.newFixedThreadPool(clientCount);
        for (int c = 0; c < clientCount; c++) {
            List<String> mine = new ArrayList<>(endpoints);
            Collections.rotate(mine, -(c % endpoints.size()));
            RaftKv kv = RaftKv.builder().endpoints(mine).timeout(Duration.ofSeconds(4))
                    .connectTimeout(Duration.ofMillis(500)).build();
            clients.add(kv);
            int client = c;
            Random rnd = new Random(seed * 1_000 + c);
            threads.execute(() -> {
                while (running.get()) {
                    history.add(runOne(kv, client, rnd));
                }
            });
        }
    }

    static String key(int k) {
        return PREFIX + "k" + k;
    }

    private Operation runOne(RaftKv kv, int client, Random rnd) {
        int id = ids.getAndIncrement();
        String key = key(rnd.nextInt(keys));
        String value = "c" + client + "-" + id;
        int p = rnd.nextInt(100);
        long invoke = System.nanoTime();
        // What is asked, with its answer still open; completed below from the answer, or left open.
        Operation asked = p < 40 ? Operation.get(id, client, key, null, invoke, Long.MAX_VALUE)
                : p < 70 ? Operation.put(id, client, key, value, invoke, Long.MAX_VALUE)
                : p < 90 ? Operation.cas(id, client, key, lastWritten.getOrDefault(key, "none"), value, false, invoke,
                        Long.MAX_VALUE)
                : Operation.delete(id, client, key, false, invoke, Long.MAX_VALUE);
        try {
            switch (asked.kind()) {
                case GET -> {
                    var r = await(kv.kv().get(key));
                    String seen = r.kvs().isEmpty() ? null : r.kvs().get(0).valueString();
                    return Operation.get(id, client, key, seen, invoke, System.nanoTime())
                            .withRevision(r.header().revision());
                }
                case PUT -> {
                    var r = await(kv.kv().put(key, value));
                    return acked(Operation.put(id, client, key, value, invoke, System.nanoTime()),
                            r.header().revision());
                }
                case CAS -> {
                    var r = await(kv.kv().txn().when(Cmp.value(key, Cmp.Op.EQUAL, asked.expected()))
                            .then(TxnOp.put(key, value, PutOptions.DEFAULT)).commit());
                    return acked(Operation.cas(id, client, key, asked.expected(), value, r.succeeded(), invoke,
                            System.nanoTime()), r.header().revision());
                }
                default -> {
                    var r = await(kv.kv().delete(key));
                    return acked(Operation.delete(id, client, key, r.deleted() > 0, invoke, System.nanoTime()),
                            r.header().revision());
                }
            }
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            failures.computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
            return asked.kind() != Operation.Kind.GET && definitelyNotApplied(cause) ? failed(asked)
                    : asked.unknown();
        }
    }

    private static Operation failed(Operation op) {
        return new Operation(op.id(), op.client(), op.key(), op.kind(), op.value(), op.expected(), false,
                Operation.Outcome.FAILED, 0, op.invokeNanos(), op.invokeNanos());
    }

    /**
     * Errors the cluster answered with before proposing anything, and calls that provably never left this process.
     * Anything else (a timeout, a 5xx, a connection lost after sending) may have been applied.
     */
    static boolean definitelyNotApplied(Throwable e) {
        return e instanceof RaftKvException.NoSpace || e instanceof RaftKvException.InvalidArgument
                || e instanceof RaftKvException.Unavailable;
    }

    private Operation acked(Operation op, long revision) {
        lastAckNanos.set(System.nanoTime());
        if (op.acknowledgedWrite() && op.value() != null) {
            lastWritten.put(op.key(), op.value());
        }
        return op.withRevision(revision);
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        try {
            return f.get(6, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
    }

    long lastAckNanos() {
        return lastAckNanos.get();
    }

    int size() {
        return history.size();
    }

    Map<String, AtomicInteger> failures() {
        return failures;
    }

    /** Stops the clients (each finishes its operation in flight) and returns the history. */
    List<Operation> stop() throws InterruptedException {
        running.set(false);
        threads.shutdown();
        if (!threads.awaitTermination(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("workload clients did not stop");
        }
        synchronized (history) {
            return new ArrayList<>(history);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (running.get()) {
            stop();
        }
        clients.forEach(RaftKv::close);
    }
}
