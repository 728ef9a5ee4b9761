package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import raftkv.it.history.Operation;

/**
 * One fault scenario, run the way every scenario of the suite runs, in the manner of etcd's robustness suite and
 * Jepsen: on a new cluster, a register workload (checked for linearizability) and a bank workload (multi-key txns)
 * run side by side with watchers, while the scenario's faults strike throughout the load window, and history is
 * compacted under the watchers; then everything is healed and {@link FaultChecks} checks it all.
 *
 * <p>A scenario must inject at least {@link #MIN_FAULTS} faults: its schedule goes on past the window until it has
 * ({@link Injection#more}), and a run that injected fewer fails. Leader changes are counted by polling every
 * member ({@link LeaderObserver}). The figures go to {@link FaultChecks#REPORT}.
 *
 * <p>Each scenario runs its load for {@code raftkv.fault.seconds} (10 by default; the {@code soak} profile runs
 * longer with more clients). The seed of the clients' choices and the faults' timing is printed, and can be set
 * with {@code -Draftkv.fault.seed=...}; process timing on a shared machine is never exactly reproducible, so a seed
 * says what was tried rather than replaying it.
 */
final class FaultRun {

    static final int SECONDS = Integer.getInteger("raftkv.fault.seconds", 10);
    static final int CLIENTS = Integer.getInteger("raftkv.fault.clients", 8);
    static final int MIN_FAULTS = 5;
    static final int KEYS = 6;
    private static final int WATCHERS = 3;
    private static final int BANK_CLIENTS = 3;
    private static final int BANK_ACCOUNTS = 8;

    private FaultRun() {
    }

    /** A scenario's fault schedule: injects faults, telling {@code in} of each, while {@link Injection#more}. */
    interface Faults {
        void inject(Injection in) throws Exception;
    }

    /** What a fault schedule works with, and the count of what it injected. */
    static final class Injection {
        final TestCluster cluster;
        final Random rnd;
        private final long until;
        private final Runnable onFirst;
        private int faults;

        Injection(TestCluster cluster, Random rnd, long until, Runnable onFirst) {
            this.cluster = cluster;
            this.rnd = rnd;
            this.until = until;
            this.onFirst = onFirst;
        }

        /** Whether to inject another: until the load window is over and at least {@link #MIN_FAULTS} are in. */
        boolean more() {
            return System.nanoTime() < until || faults < MIN_FAULTS;
        }

        /** Records one fault just injected. */
        void injected(String what) {
            faults++;
            log("fault " + faults + ": " + what);
            if (faults == 1) {
                onFirst.run();
            }
        }

        int faults() {
            return faults;
        }

        /** Waits until the load window is over (for schedules whose last fault came early). */
        void awaitWindow() throws InterruptedException {
            while (System.nanoTime() < until) {
                Thread.sleep(100);
            }
        }
    }

    /**
     * What a scenario adds to the common load: lease keepers, and the protocol of the register workload's clients
     * and the watchers (the bank's clients always use raftkv's client over HTTP, so a gRPC scenario mixes both).
     */
    record Options(boolean leaseKeepers, RegisterClient.Protocol protocol) {
        static final Options DEFAULT = new Options(false, RegisterClient.Protocol.HTTP);

        Options(boolean leaseKeepers) {
            this(leaseKeepers, RegisterClient.Protocol.HTTP);
        }
    }

    static FaultChecks.Summary run(String scenario, TestCluster created, Faults faults) throws Exception {
        return run(scenario, created, Options.DEFAULT, faults);
    }

    /**
     * Starts {@code created}, runs the workloads, injects {@code faults} for {@link #SECONDS} (and until at least
     * {@link #MIN_FAULTS} are in), heals everything, and checks.
     */
    static FaultChecks.Summary run(String scenario, TestCluster created, Options options, Faults faults)
            throws Exception {
        long seed = Long.getLong("raftkv.fault.seed", System.currentTimeMillis());
        System.out.println("scenario '" + scenario + "', seed " + seed + ", register clients and watchers over "
                + options.protocol());
        Random rnd = new Random(seed);
        long started = System.nanoTime();
        try (TestCluster cluster = created) {
            cluster.startAll();
            List<String> endpoints = cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint).toList();
            long start = cluster.api.status(endpoints.get(0)).path("header").path("revision").asLong() + 1;
            List<WatchRecorder> watchers = Collections.synchronizedList(new ArrayList<>());
            try (LeaderObserver leaders = new LeaderObserver(cluster);
                 LeaseKeepers leases = options.leaseKeepers() ? new LeaseKeepers(endpoints) : null;
                 BankWorkload bank = new BankWorkload(endpoints, seed, BANK_CLIENTS, BANK_ACCOUNTS);
                 HistoryKeeper history = new HistoryKeeper(cluster, start, watchers)) {
                for (int w = 0; w < WATCHERS; w++) {
                    List<String> mine = new ArrayList<>(endpoints);
                    Collections.rotate(mine, -w);
                    watchers.add(new WatchRecorder(options.protocol(), "w" + w + "@" + mine.get(0), mine, start));
                }
                List<Operation> ops;
                BankHistory transfers;
                Injection in;
                try (RegisterWorkload load = new RegisterWorkload(options.protocol(), endpoints, seed, CLIENTS, KEYS)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> load.size() >= 200);
                    history.startCompacting();
                    // A watcher created in the middle of a fault, from a revision already in the past.
                    in = new Injection(cluster, rnd, System.nanoTime() + SECONDS * 1_000_000_000L,
                            () -> history.addWatcherFromRecentPast("mid-fault", endpoints));
                    faults.inject(in);
                    history.stopCompacting();
                    heal(cluster);
                    long healed = System.nanoTime();
                    await().atMost(Duration.ofSeconds(60)).until(() -> load.lastAckNanos() > healed
                            && bank.lastCommitNanos() > healed);
                    ops = load.stop();
                    // Through each member there is now (a scenario may have replaced some).
                    transfers = bank.stop().plus(BankWorkload.readEachMember(cluster.live().stream()
                            .map(TestCluster.NodeProcess::endpoint).toList()));
                    System.out.println("client errors: register " + load.failures() + ", bank " + bank.failures());
                }
                assertTrue(in.faults() >= MIN_FAULTS, scenario + ": injected only " + in.faults() + " faults, fewer"
                        + " than the " + MIN_FAULTS + " every scenario must");
                if (leases != null) {
                    leases.check();
                }
                return FaultChecks.verify(new FaultChecks.Run(scenario, seed, cluster, ops, transfers, watchers,
                        history, in.faults(), leaders.leaderChanges(), started));
            } finally {
                watchers.forEach(WatchRecorder::close);
            }
        }
    }

    /** Every member running again (a frozen one continued, a dead one restarted), and healthy. */
    static void heal(TestCluster cluster) throws Exception {
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            if (n.isPaused()) {
                n.resume();
            }
            if (!n.isAlive()) {
                n.start();
            }
        }
        cluster.awaitHealthy();
    }

    /**
     * Restarts {@code n} and waits until it serves and follows a leader. It may still be catching up: the next
     * fault may strike before it has, as it would in production.
     */
    static void restartAndAwait(TestCluster cluster, TestCluster.NodeProcess n) throws Exception {
        long t0 = System.nanoTime();
        n.start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            var s = cluster.api.status(n.endpoint());
            return s != null && s.path("leader").asInt() != 0;
        });
        log("node " + n.id() + " restarted, following a leader after " + (System.nanoTime() - t0) / 1_000_000
                + " ms");
    }

    /** SIGKILL {@code victim}, leave it down for a while, restart it. */
    static void killAndRestart(Injection in, TestCluster.NodeProcess victim, int minDown, int maxDown)
            throws Exception {
        victim.kill();
        in.injected("killed node " + victim.id());
        pause(in.rnd, minDown, maxDown);
        restartAndAwait(in.cluster, victim);
    }

    static void log(String what) {
        System.out.println(java.time.LocalTime.now() + " " + what);
    }

    static void pause(Random rnd, int minMillis, int maxMillis) throws InterruptedException {
        Thread.sleep(minMillis + rnd.nextInt(maxMillis - minMillis));
    }
}
