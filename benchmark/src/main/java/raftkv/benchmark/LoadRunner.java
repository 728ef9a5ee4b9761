package raftkv.benchmark;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import raftkv.benchmark.driver.Driver;
import raftkv.common.Threads;

/**
 * Drives one {@link Driver} with one workload: {@code inFlight} slots, each sending its next request when the last
 * completes (or at its scheduled time under a rate limit), for a warm-up and then a measured window. Latencies go
 * to an HdrHistogram in microseconds; a progress line is printed every second.
 *
 * <p>Threads: requests are issued from whichever thread completed the previous one (a client's I/O thread), and
 * handed to a small pool when a chain completes synchronously, so that a fast failure cannot recurse.
 */
public final class LoadRunner {

    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final Driver driver;
    private final PrintStream out;
    private final Executor handoff = Executors.newFixedThreadPool(2, Threads.daemon("bench-handoff"));
    /** Key spaces already written through this driver, so rounds after the first do not write them again. */
    private final Set<String> prepared = new HashSet<>();
    private final List<Long> leases = new ArrayList<>();

    public LoadRunner(Driver driver, PrintStream out) {
        this.driver = driver;
        this.out = out;
    }

    public Result run(String name, Workload w, LoadOptions o) throws Exception {
        prepare(w, o);
        if (w == Workload.WATCH) {
            return runWatch(name, o);
        }
        byte[] value = value(o.valueSize());
        return drive(name, o, (n, due) -> switch (w) {
            case PUT -> driver.put(key(o, n), value);
            case RANGE -> driver.get(key(o, n), o.serializable());
            case TXN_PUT -> driver.txnPut(key(o, n), value);
            case MIXED -> ThreadLocalRandom.current().nextInt(100) < o.readPercent()
                    ? driver.get(key(o, n), o.serializable()) : driver.put(key(o, n), value);
            case LEASE_KEEPALIVE -> driver.keepAliveOnce(leases.get((int) (n % leases.size())));
            case WATCH -> throw new IllegalStateException();
        }, null);
    }

    /**
     * Unmeasured load with the default options, puts for two thirds of {@code seconds} and then gets, a line for
     * each: a fresh raftkv JVM, and this JVM's client, compile their hot paths in their first minute or two (see
     * {@link Compare}'s {@code --prewarm} for what that was worth).
     */
    public void prewarm(int seconds) throws Exception {
        if (seconds <= 0) {
            return;
        }
        int puts = Math.max(1, seconds * 2 / 3);
        LoadOptions o = LoadOptions.defaults().withTime(puts, 0);
        out.println("prewarm: " + run("prewarm-put", Workload.PUT, o).line());
        out.println("prewarm: " + run("prewarm-get", Workload.RANGE,
                o.withTime(Math.max(1, seconds - puts), 0)).line());
    }

    /** One request: {@code n} is its sequence number, {@code due} its scheduled send time. */
    private interface Op {
        CompletableFuture<?> send(long n, long due);
    }

    private Result drive(String name, LoadOptions o, Op op, Recorder external) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        Recorder progress = new Recorder(3);
        AtomicLong errors = new AtomicLong();
        AtomicLong measured = new AtomicLong();
        AtomicLong seq = new AtomicLong();
        AtomicLong lastDone = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(o.warmupSeconds());
        long end = measureFrom + TimeUnit.SECONDS.toNanos(o.seconds());
        long period = o.rate() > 0 ? 1_000_000_000L / o.rate() : 0;
        CountDownLatch slotsDone = new CountDownLatch(o.inFlight());
        Runnable[] issue = new Runnable[1];
        issue[0] = () -> {
            long now = System.nanoTime();
            if (now >= end || o.totalOps() > 0 && measured.get() >= o.totalOps()) {
                slotsDone.countDown();
                return;
            }
            long n = seq.getAndIncrement();
            long due = period > 0 ? start + n * period : now;
            Runnable send = () -> {
                CompletableFuture<?> f;
                try {
                    f = op.send(n, due);
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                f.whenComplete((r, e) -> {
                    long t = System.nanoTime();
                    lastDone.accumulateAndGet(t, Math::max);
                    if (e != null) {
                        if (due >= measureFrom && errors.getAndIncrement() == 0) {
                            // The first says what went wrong; a count alone does not.
                            out.printf("  %s %s: first error: %s%n", name, driver.name(), causes(e));
                        }
                    } else {
                        long micros = Math.max(0, (t - due) / 1000);
                        progress.recordValue(micros);
                        if (due >= measureFrom && t <= end) {
                            recorder.recordValue(micros);
                            measured.incrementAndGet();
                        }
                    }
                    next(issue[0]);
                });
            };
            if (due - now > 0) {
                CompletableFuture.delayedExecutor(due - now, TimeUnit.NANOSECONDS, handoff).execute(send);
            } else {
                send.run();
            }
        };
        for (int i = 0; i < o.inFlight(); i++) {
            handoff.execute(issue[0]);
        }
        Thread ticker = progressLine(name, progress, errors, external);
        boolean finished = slotsDone.await(o.warmupSeconds() + o.seconds() + 60L, TimeUnit.SECONDS);
        ticker.interrupt();
        if (!finished) {
            out.printf("%s: %d requests still unanswered 60 s after the end%n", name, slotsDone.getCount());
        }
        if (external != null) {
            TimeUnit.SECONDS.sleep(1); // the events of the last requests are still on their way
        }
        Histogram h = (external != null ? external : recorder).getIntervalHistogram();
        double seconds = Math.max(1e-9, (Math.min(end, Math.max(lastDone.get(), measureFrom)) - measureFrom) / 1e9);
        if (o.totalOps() > 0) {
            seconds = Math.max(1e-9, (lastDone.get() - measureFrom) / 1e9);
        }
        return Result.of(name, driver.name(), h, errors.get(), seconds);
    }

    /** The messages of {@code e} and its causes, outermost first, leaving out the futures' wrappers. */
    private static String causes(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (!(t instanceof java.util.concurrent.CompletionException)) {
                b.append(b.isEmpty() ? "" : " <- ").append(t);
            }
        }
        return b.toString();
    }

    /** Runs {@code issue} here, or on the hand-off pool once a chain of synchronous completions gets deep. */
    private void next(Runnable issue) {
        int[] depth = DEPTH.get();
        if (depth[0] > 20) {
            handoff.execute(issue);
            return;
        }
        depth[0]++;
        try {
            issue.run();
        } finally {
            depth[0]--;
        }
    }

    private Thread progressLine(String name, Recorder progress, AtomicLong errors, Recorder external) {
        Thread t = Threads.daemon("bench-progress").newThread(() -> {
            try {
                for (int sec = 1; ; sec++) {
                    TimeUnit.SECONDS.sleep(1);
                    Histogram h = progress.getIntervalHistogram();
                    out.printf("  %-14s %-7s %3d s %8d ops/s  p50 %7.2f  p99 %7.2f ms  errors %d%n", name,
                            driver.name(), sec, h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0,
                            h.getValueAtPercentile(99) / 1000.0, errors.get());
                }
            } catch (InterruptedException e) {
                // the run ended
            }
        });
        t.start();
        return t;
    }

    /**
     * {@code watchers} watches, one key each, and puts at {@code rate} per second (1,000 if unset) to random ones;
     * each put's value is its scheduled send time, so the latency is from scheduling the put to the event arriving.
     */
    private Result runWatch(String name, LoadOptions o) throws Exception {
        Recorder events = new Recorder(3);
        long[] measureFrom = {Long.MAX_VALUE};
        List<AutoCloseable> watches = new ArrayList<>();
        for (int i = 0; i < o.watchers(); i++) {
            watches.add(driver.watch(watchKey(i), sent -> {
                long now = System.nanoTime();
                if (sent >= measureFrom[0]) {
                    events.recordValue(Math.max(0, now - sent) / 1000);
                }
            }));
        }
        TimeUnit.SECONDS.sleep(2); // let the watches be created
        measureFrom[0] = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.warmupSeconds());
        LoadOptions paced = o.withRate(o.rate() > 0 ? o.rate() : 1_000);
        try {
            return drive(name, paced, (n, due) -> driver.put(watchKey(ThreadLocalRandom.current()
                    .nextInt(o.watchers())), Long.toString(due).getBytes(StandardCharsets.US_ASCII)), events);
        } finally {
            for (AutoCloseable w : watches) {
                w.close();
            }
        }
    }

    private void prepare(Workload w, LoadOptions o) throws Exception {
        if ((w == Workload.RANGE || w == Workload.MIXED) && prepared.add(o.keySpace() + "/" + o.keySize())) {
            byte[] value = value(o.valueSize());
            long t0 = System.nanoTime();
            List<CompletableFuture<?>> batch = new ArrayList<>();
            for (int i = 0; i < o.keySpace(); i++) {
                batch.add(driver.put(key(o.keySize(), i), value));
                if (batch.size() == 64) {
                    CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                    batch.clear();
                }
            }
            CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            out.printf("  wrote %d keys through %s in %.1f s%n", o.keySpace(), driver.name(),
                    (System.nanoTime() - t0) / 1e9);
        }
        if (w == Workload.LEASE_KEEPALIVE && leases.size() < o.leases()) {
            while (leases.size() < o.leases()) {
                leases.add(driver.grant(600).get(30, TimeUnit.SECONDS));
            }
        }
    }

    private static byte[] key(LoadOptions o, long n) {
        return key(o.keySize(), o.sequentialKeys() ? n % o.keySpace()
                : ThreadLocalRandom.current().nextInt(o.keySpace()));
    }

    /** {@code size} bytes: "k" and the number, zero-padded. */
    static byte[] key(int size, long n) {
        String digits = Long.toString(n);
        StringBuilder b = new StringBuilder(size).append('k');
        for (int i = digits.length() + 1; i < size; i++) {
            b.append('0');
        }
        return b.append(digits).toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] watchKey(int i) {
        return ("w" + i).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] value(int size) {
        byte[] v = new byte[size];
        for (int i = 0; i < size; i++) {
            v[i] = (byte) ('a' + ThreadLocalRandom.current().nextInt(26));
        }
        return v;
    }
}
