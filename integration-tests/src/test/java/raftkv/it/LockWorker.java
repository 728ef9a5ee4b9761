package raftkv.it;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import raftkv.client.Cmp;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.RaftKvException;
import raftkv.client.TxnOp;
import raftkv.client.recipes.Lock;
import raftkv.client.recipes.Session;

/**
 * One client of the lock-safety workload, run as its own JVM so that a SIGSTOP freezes all of it, its lease
 * keepalive included, as a long GC pause or a frozen VM would. It takes the lock over and over, and while it
 * believes it holds it writes a few steps to one shared key, {@link #LOG_KEY}: each step writes
 * {@code <worker>:<acquisition>:<step>}. Every acquisition, step outcome and release goes to its output file, one
 * {@link LockEvent} per line, written through at once (the test reads the file while the worker runs, and after it
 * is killed).
 *
 * <p>In {@link Mode#FENCED} mode each step is a txn that writes only if the lock key still has the create revision
 * the lock was taken with, the fencing token: a holder whose key is gone cannot write. In {@link Mode#UNFENCED}
 * mode each step is a plain put, as a client that trusts the lock would write. Neither mode asks its session
 * between steps whether it still lives: that answer could be stale by the time the write lands, which is the
 * point of the exercise.
 *
 * <p>Usage: {@code LockWorker <endpoints,comma-separated> <worker id> <lock name> <ttl seconds> <fenced|unfenced>
 * <steps> <output file> [seed]}. SIGTERM makes it finish the step in flight, release the lock and stop.
 */
public final class LockWorker {

    /** The one key every holder writes to; its history is what the check reads. */
    static final String LOG_KEY = "locked/log";

    enum Mode { FENCED, UNFENCED }

    private final RaftKv kv;
    private final int worker;
    private final String lockName;
    private final long ttlSeconds;
    private final Mode mode;
    private final int steps;
    private final Random rnd;
    /** Written under this object's lock ({@link #record}): the main thread and the keepalive's callbacks both record. */
    private final OutputStream out;
    private final Thread main = Thread.currentThread();
    private volatile boolean running = true;
    // owned by the main thread
    private Session session;
    private int acquisitions;

    private LockWorker(RaftKv kv, int worker, String lockName, long ttlSeconds, Mode mode, int steps, long seed,
                       OutputStream out) {
        this.kv = kv;
        this.worker = worker;
        this.lockName = lockName;
        this.ttlSeconds = ttlSeconds;
        this.mode = mode;
        this.steps = steps;
        this.rnd = new Random(seed);
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 7) {
            System.err.println("usage: LockWorker <endpoints> <worker id> <lock name> <ttl seconds> <fenced|unfenced>"
                    + " <steps> <output file> [seed]");
            System.exit(2);
        }
        int worker = Integer.parseInt(args[1]);
        long seed = args.length > 7 ? Long.parseLong(args[7]) : System.nanoTime();
        // Calls get a few seconds, retries included: a call that outlasts a lease is no use to a holder anyway.
        try (RaftKv kv = RaftKv.builder().endpoints(List.of(args[0].split(","))).timeout(Duration.ofSeconds(5))
                .connectTimeout(Duration.ofMillis(500)).build();
             OutputStream out = new FileOutputStream(Path.of(args[6]).toFile(), true)) {
            LockWorker w = new LockWorker(kv, worker, args[2], Long.parseLong(args[3]),
                    Mode.valueOf(args[4].toUpperCase(java.util.Locale.ROOT)), Integer.parseInt(args[5]), seed, out);
            Runtime.getRuntime().addShutdownHook(new Thread(w::stopAndWait, "lock-worker-stop"));
            w.run();
        }
    }

    /**
     * Called on SIGTERM: lets the main thread finish its step and release the lock, and record that it stopped. A
     * step and a release take at most a call's timeout each.
     */
    private void stopAndWait() {
        running = false;
        main.interrupt(); // wakes it from waiting in line or between steps; a write in flight is not interrupted
        try {
            main.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        record(LockEvent.Kind.STARTED, 0, 0, 0, 0, "pid " + ProcessHandle.current().pid() + ", " + mode);
        while (running) {
            try {
                if (session == null || session.lostReason() != null) {
                    newSession();
                }
                Lock lock = new Lock(session, lockName);
                lock.lock();
                holdAndWrite(lock);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                // The cluster did not answer in time (taking the lock, granting a lease): try again afresh.
                record(LockEvent.Kind.ERROR, acquisitions, 0, 0, 0, rootMessage(e));
                dropSession();
                if (!pause(200)) {
                    break;
                }
            }
        }
        dropSession();
        record(LockEvent.Kind.STOPPED, acquisitions, 0, 0, 0, "");
    }

    /** The critical section: up to {@link #steps} writes, then the release. */
    private void holdAndWrite(Lock lock) {
        int acquisition = ++acquisitions;
        long token = lock.revision();
        record(LockEvent.Kind.ACQUIRED, acquisition, 0, token, 0, lock.key());
        boolean fencedOff = false;
        for (int step = 1; step <= steps && running; step++) {
            LockEvent.Kind outcome = write(lock, acquisition, step, token);
            if (outcome == LockEvent.Kind.FENCED) {
                fencedOff = true;
                break;
            }
            if (step < steps && !pause(20 + rnd.nextInt(61))) {
                break;
            }
        }
        String why = "";
        try {
            lock.unlock();
        } catch (RuntimeException e) {
            why = "unlock failed: " + rootMessage(e);
        }
        record(LockEvent.Kind.RELEASED, acquisition, 0, token, 0, why);
        if (fencedOff || !why.isEmpty()) {
            // The lock key is gone (its lease expired) or may linger: either way this session is done with.
            dropSession();
        }
    }

    /** One step: writes this step's value to {@link #LOG_KEY}, fenced or not, and records the outcome. */
    private LockEvent.Kind write(Lock lock, int acquisition, int step, long token) {
        String value = LockEvent.value(worker, acquisition, step);
        try {
            long revision;
            if (mode == Mode.FENCED) {
                var t = kv.kv().txn().when(lock.fence())
                        .then(TxnOp.put(LOG_KEY, value, PutOptions.DEFAULT)).commit().join();
                if (!t.succeeded()) {
                    record(LockEvent.Kind.FENCED, acquisition, step, token, t.header().revision(), "");
                    return LockEvent.Kind.FENCED;
                }
                revision = t.header().revision();
            } else {
                revision = kv.kv().put(LOG_KEY, value).join().header().revision();
            }
            record(LockEvent.Kind.OK, acquisition, step, token, revision, "");
            return LockEvent.Kind.OK;
        } catch (CompletionException | RaftKvException e) {
            // Even an answer of "unavailable" is taken as unknown: the check only needs to know it was not
            // acknowledged.
            record(LockEvent.Kind.UNKNOWN, acquisition, step, token, 0, rootMessage(e));
            return LockEvent.Kind.UNKNOWN;
        }
    }

    private void newSession() {
        dropSession();
        session = Session.create(kv, ttlSeconds, reason -> record(LockEvent.Kind.SESSION_LOST, acquisitions, 0, 0, 0,
                reason)).join();
        record(LockEvent.Kind.SESSION, acquisitions, 0, 0, 0, Long.toHexString(session.leaseId()));
    }

    private void dropSession() {
        if (session != null) {
            try {
                session.close();
            } catch (RuntimeException e) {
                // the lease expires by itself
            }
            session = null;
        }
    }

    /** Sleeps; false if the worker was told to stop meanwhile. */
    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return running;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Appends one event and writes it through; called from the main thread and the keepalive's callbacks. */
    private synchronized void record(LockEvent.Kind kind, int acquisition, int step, long token, long revision,
                                     String detail) {
        LockEvent e = new LockEvent(System.currentTimeMillis(), worker, kind, acquisition, step, token, revision,
                detail);
        try {
            // One write per line: FileOutputStream is unbuffered, so the line is in the file when this returns.
            out.write(e.line().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
