package raftkv.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import raftkv.client.GetOptions;
import raftkv.client.RaftKv;

/**
 * Lock holders frozen past their lease, as Jepsen froze etcd's: starts {@link Settings#workers} {@link LockWorker}
 * JVMs that contend for one lock and write to {@link LockWorker#LOG_KEY} while they hold it, and, while it runs,
 * again and again picks the worker that holds the lock (the first key in the lock's line, as the store says, whose
 * worker has recorded taking it and not yet releasing it), SIGSTOPs it for longer than its lease's TTL, so that its
 * lease expires and another worker takes the lock, and SIGCONTs it. The frozen worker wakes up believing it still
 * holds the lock. {@link #stop()} ends it all and returns what the workers recorded and when each was frozen, for
 * {@link LockSafetyCheck}.
 */
final class LockSafetyWorkload implements AutoCloseable {

    /**
     * The workload's shape: how many workers, the session TTL, fenced or not, writes per acquisition, and how much
     * longer than the TTL a pause lasts (at least {@code pauseMargin}, at most twice it).
     */
    record Settings(int workers, long ttlSeconds, LockWorker.Mode mode, int steps, Duration pauseMargin) {
        static Settings of(LockWorker.Mode mode) {
            return new Settings(3, 2, mode, 15, Duration.ofSeconds(2));
        }
    }

    /**
     * One freeze: which worker, in which of its acquisitions (with its token), and when (wall clock, taken after the
     * SIGSTOP was sent and before the SIGCONT, so that the worker was frozen all the time in between).
     */
    record Pause(int worker, int acquisition, long token, long startMillis, long endMillis) {
    }

    /** What {@link #stop()} returns: every worker's events and the freezes. */
    record Records(List<LockEvent> events, List<Pause> pauses) {
    }

    static final String LOCK_NAME = "locks/safety";

    private final Settings settings;
    private final List<WorkerProcess> workers = new ArrayList<>();
    private final RaftKv client;
    private final Random rnd;
    private final List<Pause> pauses = new CopyOnWriteArrayList<>();
    private final Thread pauser;
    private volatile boolean stopping;
    /** Why the pauser stopped early, if it did: stop() reports it rather than let a run without pauses pass. */
    private volatile Exception pauserFailure;

    LockSafetyWorkload(List<String> endpoints, Path dir, Settings settings, long seed) throws IOException {
        this.settings = settings;
        this.rnd = new Random(seed);
        Files.createDirectories(dir);
        client = RaftKv.builder().endpoints(endpoints).timeout(Duration.ofSeconds(5))
                .connectTimeout(Duration.ofMillis(500)).build();
        for (int w = 1; w <= settings.workers(); w++) {
            WorkerProcess p = new WorkerProcess(w, dir.resolve("worker-" + w + ".events"),
                    dir.resolve("worker-" + w + ".log"));
            p.start(endpoints, settings, seed * 100 + w);
            workers.add(p);
        }
        pauser = new Thread(this::pauseHolders, "lock-pauser");
        pauser.start();
    }

    /** How many acquisitions the workers have recorded so far. */
    int acquisitions() throws IOException {
        int n = 0;
        for (WorkerProcess w : workers) {
            n += (int) LockEvent.readAll(w.events).stream().filter(e -> e.kind() == LockEvent.Kind.ACQUIRED).count();
        }
        return n;
    }

    int pauses() {
        return pauses.size();
    }

    /** The workers' output files and logs, for keeping beside the node logs. */
    List<Path> files() {
        List<Path> out = new ArrayList<>();
        workers.forEach(w -> out.addAll(List.of(w.events, w.log)));
        return out;
    }

    /** Copies {@link #files()} into {@code to}. */
    void keepFiles(Path to) {
        try {
            Files.createDirectories(to);
            for (Path f : files()) {
                if (Files.exists(f)) {
                    Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            System.err.println("could not keep the lock workers' files in " + to + ": " + e);
        }
    }

    /** The pauser's loop: a holder frozen past its TTL, a while of ordinary hand-overs, and again. */
    private void pauseHolders() {
        try {
            while (!stopping) {
                Thread.sleep(300 + rnd.nextInt(1_200));
                Optional<Target> target = awaitHolder(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
                if (target.isEmpty() || stopping) {
                    continue;
                }
                Target t = target.get();
                long freeze = TimeUnit.SECONDS.toMillis(settings.ttlSeconds()) + settings.pauseMargin().toMillis()
                        + rnd.nextInt((int) settings.pauseMargin().toMillis() + 1);
                // The times bracket the freeze from inside: nothing the worker records can fall between them.
                t.worker.signal("STOP");
                long start = System.currentTimeMillis();
                long end;
                try {
                    Thread.sleep(freeze);
                } finally {
                    end = System.currentTimeMillis();
                    t.worker.signal("CONT");
                }
                pauses.add(new Pause(t.worker.id, t.acquisition, t.token, start, end));
                System.out.println(java.time.LocalTime.now() + " froze worker " + t.worker.id + " (acquisition "
                        + t.acquisition + ", token " + t.token + ") for " + freeze + " ms");
            }
        } catch (InterruptedException e) {
            // close() ends the loop; the finally above has continued any frozen worker
        } catch (IOException | RuntimeException e) {
            pauserFailure = e;
        }
    }

    /** A worker in its critical section: which worker, and which of its acquisitions. */
    private record Target(WorkerProcess worker, int acquisition, long token) {
    }

    /**
     * Waits for a worker that holds the lock and has a few steps left to write: the first key in the lock's line is
     * its key, and its events show that acquisition still open. A worker frozen after its last step would only
     * release a lock it no longer has, which tests nothing.
     */
    private Optional<Target> awaitHolder(long deadlineNanos) throws IOException, InterruptedException {
        while (!stopping && System.nanoTime() < deadlineNanos) {
            String head = headOfLine();
            if (head != null) {
                for (WorkerProcess w : workers) {
                    Optional<Target> t = openAcquisition(w, head);
                    if (t.isPresent()) {
                        return t;
                    }
                }
            }
            Thread.sleep(20);
        }
        return Optional.empty();
    }

    /** The key first in the lock's line (the lowest create revision under its prefix), or null if none. */
    private String headOfLine() {
        try {
            var r = client.kv().get(LOCK_NAME + "/", GetOptions.DEFAULT.withPrefix()
                    .withSort(GetOptions.SortTarget.CREATE, GetOptions.SortOrder.ASCEND).withLimit(1)).join();
            return r.kvs().isEmpty() ? null : r.kvs().get(0).keyString();
        } catch (RuntimeException e) {
            return null; // the cluster is slow to answer: look again
        }
    }

    private Optional<Target> openAcquisition(WorkerProcess w, String lockKey) throws IOException {
        List<LockEvent> events = LockEvent.readAll(w.events);
        for (int i = events.size() - 1; i >= 0; i--) {
            LockEvent e = events.get(i);
            switch (e.kind()) {
                case ACQUIRED -> {
                    int written = events.size() - 1 - i; // the steps recorded since
                    return e.detail().equals(lockKey) && written <= settings.steps() - 3
                            ? Optional.of(new Target(w, e.acquisition(), e.token())) : Optional.empty();
                }
                case OK, UNKNOWN -> {
                    // a step of the acquisition above: keep looking for it
                }
                default -> {
                    return Optional.empty(); // released, fenced off, or not holding at all
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Stops freezing (continuing a frozen worker), then stops every worker: SIGTERM, which lets it finish its step
     * and release the lock, then SIGKILL for one that does not exit in time. Returns everything recorded.
     */
    Records stop() throws IOException, InterruptedException {
        stopping = true;
        // A freeze under way runs its course: cut short, it could end before the lease expires.
        pauser.join(60_000);
        if (pauser.isAlive() || pauserFailure != null) {
            throw new IllegalStateException("the pauser " + (pauser.isAlive() ? "did not stop" : "failed"),
                    pauserFailure);
        }
        for (WorkerProcess w : workers) {
            w.process.destroy();
        }
        for (WorkerProcess w : workers) {
            // A worker gives its step and its release up to 15 s on SIGTERM; a loaded machine may need all of it.
            if (!w.process.waitFor(30, TimeUnit.SECONDS)) {
                System.out.println("lock worker " + w.id + " did not stop on SIGTERM: killing it");
                w.process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
            }
        }
        List<LockEvent> events = new ArrayList<>();
        for (WorkerProcess w : workers) {
            events.addAll(LockEvent.readAll(w.events));
        }
        return new Records(events, List.copyOf(pauses));
    }

    /** Kills whatever is left (after a failed test). */
    @Override
    public void close() {
        stopping = true;
        pauser.interrupt();
        for (WorkerProcess w : workers) {
            if (w.process != null && w.process.isAlive()) {
                try {
                    w.signal("CONT"); // a frozen process dies of SIGKILL too, but its waitFor would not say so
                } catch (IOException | InterruptedException | RuntimeException e) {
                    // it is killed next anyway
                }
                w.process.destroyForcibly();
            }
        }
        client.close();
    }

    /** One worker's JVM, small and quick to start: it runs one lock client, not a server. */
    private static final class WorkerProcess {
        final int id;
        final Path events;
        final Path log;
        Process process;

        WorkerProcess(int id, Path events, Path log) {
            this.id = id;
            this.events = events;
            this.log = log;
        }

        void start(List<String> endpoints, Settings s, long seed) throws IOException {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // Every worker prefers a different member first, as the clients of a real deployment would.
            List<String> mine = new ArrayList<>(endpoints);
            Collections.rotate(mine, -(id % endpoints.size()));
            process = new ProcessBuilder(javaBin, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), LockWorker.class.getName(),
                    String.join(",", mine), Integer.toString(id), LOCK_NAME, Long.toString(s.ttlSeconds()),
                    s.mode().name().toLowerCase(Locale.ROOT), Integer.toString(s.steps()),
                    events.toString(), Long.toString(seed))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        }

        void signal(String name) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        }
    }
}
