package raftkv.it;

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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import raftkv.client.RaftKvException;
import raftkv.it.history.Operation;

/**
 * Concurrent clients running a register workload (get, put, compare-and-set, delete) on a few keys, each through
 * its own client instance that prefers a different member, recording every operation for the linearizability
 * checker. Values are unique, so every value seen can be traced to the one write that made it. The clients speak
 * either protocol ({@link RegisterClient.Protocol}): raftkv's own client over HTTP, or jetcd over gRPC.
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
    private final List<RegisterClient> clients = new ArrayList<>();
    private final ExecutorService threads;
    private final int keys;

    RegisterWorkload(List<String> endpoints, long seed, int clientCount, int keys) {
        this(RegisterClient.Protocol.HTTP, endpoints, seed, clientCount, keys);
    }

    RegisterWorkload(RegisterClient.Protocol protocol, List<String> endpoints, long seed, int clientCount, int keys) {
        this.keys = keys;
        threads = Executors.newFixedThreadPool(clientCount);
        for (int c = 0; c < clientCount; c++) {
            List<String> mine = new ArrayList<>(endpoints);
            Collections.rotate(mine, -(c % endpoints.size()));
            RegisterClient kv = RegisterClient.connect(protocol, mine);
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

    private Operation runOne(RegisterClient kv, int client, Random rnd) {
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
                    var r = kv.get(key);
                    return Operation.get(id, client, key, r.value(), invoke, System.nanoTime())
                            .withRevision(r.revision());
                }
                case PUT -> {
                    var r = kv.put(key, value);
                    return acked(Operation.put(id, client, key, value, invoke, System.nanoTime()), r.revision());
                }
                case CAS -> {
                    var r = kv.cas(key, asked.expected(), value);
                    return acked(Operation.cas(id, client, key, asked.expected(), value, r.succeeded(), invoke,
                            System.nanoTime()), r.revision());
                }
                default -> {
                    var r = kv.delete(key);
                    return acked(Operation.delete(id, client, key, r.succeeded(), invoke, System.nanoTime()),
                            r.revision());
                }
            }
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            failures.computeIfAbsent(cause.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
            return asked.kind() != Operation.Kind.GET && kv.definitelyNotApplied(cause) ? failed(asked)
                    : asked.unknown();
        }
    }

    private static Operation failed(Operation op) {
        return new Operation(op.id(), op.client(), op.key(), op.kind(), op.value(), op.expected(), false,
                Operation.Outcome.FAILED, 0, op.invokeNanos(), op.invokeNanos());
    }

    /** What raftkv's own client reports as refused before anything was proposed; see {@link RegisterClient}. */
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
        clients.forEach(RegisterClient::close);
    }
}
