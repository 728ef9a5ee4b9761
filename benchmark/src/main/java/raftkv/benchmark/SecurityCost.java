package raftkv.benchmark;

import static raftkv.benchmark.SideBySide.median;
import static raftkv.benchmark.SideBySide.runs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import raftkv.benchmark.SideBySide.Case;
import raftkv.benchmark.driver.Driver;
import raftkv.benchmark.driver.JetcdDriver;
import raftkv.benchmark.driver.Security;

/**
 * What TLS and auth cost raftkv, side by side in one run, all through jetcd over gRPC: two 3-node clusters at once,
 * one plain and one with TLS on its client port (client certificates required), in four configurations: plain, auth
 * (the plain cluster with auth on), tls, and tls+auth. Each workload runs in all four in alternating rounds (in that
 * order, then reversed, ...) so that the machine's noise hits them alike, and the table compares the medians with
 * plain's. Auth is turned on through the Auth API just before each auth run and off right after it (see
 * {@link ClusterAuth}); the load then runs as user bench, whose role may read and write every key, so each request
 * pays for its token and its permission check. {@code scripts/bench-security} starts both clusters and runs this.
 */
@CommandLine.Command(name = "security-cost", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs put256, put1 and get256 on raftkv plain, with auth, with TLS and with both, in"
                + " alternating rounds, and prints each one's ratio to plain.")
public final class SecurityCost implements Callable<Integer> {

    @Option(names = "--plain-endpoints", split = ",",
            defaultValue = "http://127.0.0.1:2479,http://127.0.0.1:22479,http://127.0.0.1:32479")
    List<String> plainEndpoints;
    @Option(names = "--tls-endpoints", split = ",",
            defaultValue = "https://127.0.0.1:2579,https://127.0.0.1:22579,https://127.0.0.1:32579")
    List<String> tlsEndpoints;
    @Option(names = "--cacert", paramLabel = "FILE", converter = SecurityOptions.ReadableFile.class,
            description = "the TLS cluster's CA (PEM)") Path caCert;
    @Option(names = "--cert", paramLabel = "FILE", converter = SecurityOptions.ReadableFile.class,
            description = "the client certificate (PEM) to present to the TLS cluster; its CN may name any user, the"
                    + " auth runs' token wins over it") Path cert;
    @Option(names = "--key", paramLabel = "FILE", converter = SecurityOptions.ReadableFile.class,
            description = "the private key (PEM) of --cert") Path key;
    @Option(names = "--password", defaultValue = "bench-security",
            description = "the password this run gives users root and bench on both clusters") String password;
    @Option(names = "--quick", description = "3 rounds of 3 s") boolean quick;
    @Option(names = "--rounds", description = "rounds (default 3 quick, 5 full)") Integer rounds;
    @Option(names = "--seconds", description = "measured seconds per run (default 3 quick, 15 full)") Integer seconds;
    @Option(names = "--warmup", description = "unmeasured seconds before each run (default 1 quick, 2 full); the"
            + " first requests of an auth run authenticate again, as auth was off since the last one")
    Integer warmup;
    @Option(names = "--prewarm", description = "unmeasured seconds of load on each cluster before the first round,"
            + " two thirds without auth and one third with it (default 75, 90 full), as Compare's --prewarm")
    Integer prewarm;
    @Option(names = "--only", split = ",", description = "run only these workloads: put256, put1, get256")
    List<String> only;
    @Option(names = "--json-out", description = "write every run's result here") Path jsonOut;

    /** One of the four configurations: which cluster, and whether auth is on while it runs. */
    record Config(String name, boolean tls, boolean auth) {
    }

    static final List<Config> CONFIGS = List.of(new Config("plain", false, false), new Config("auth", false, true),
            new Config("tls", true, false), new Config("tls+auth", true, true));

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Map<String, LoadRunner> runners = new LinkedHashMap<>();
    private final Map<String, JetcdDriver> drivers = new LinkedHashMap<>();
    private ClusterAuth plainAuth;
    private ClusterAuth tlsAuth;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SecurityCost()).execute(args));
    }

    List<Case> cases(int secs) {
        LoadOptions base = LoadOptions.defaults().withTime(secs, warmup != null ? warmup : quick ? 1 : 2);
        List<Case> all = new ArrayList<>(List.of(
                new Case("put256", Workload.PUT, base),
                new Case("put1", Workload.PUT, base.withInFlight(1, 1)),
                new Case("get256", Workload.RANGE, base)));
        if (only != null) {
            all.removeIf(c -> !only.contains(c.name()));
        }
        return all;
    }

    @Override
    public Integer call() throws Exception {
        Security tls;
        try {
            tls = new Security(null, null, caCert, cert, key);
            Security.none().tls(plainEndpoints);
            if (!tls.tls(tlsEndpoints)) {
                throw new IllegalArgumentException("--tls-endpoints must be https://");
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        int n = rounds != null ? rounds : quick ? 3 : 5;
        List<Case> cases = cases(seconds != null ? seconds : quick ? 3 : 15);
        int warm = prewarm != null ? prewarm : quick ? 75 : 90;
        List<Result> results = new ArrayList<>();
        try {
            plainAuth = new ClusterAuth("the plain cluster", plainEndpoints, Security.none(), password);
            tlsAuth = new ClusterAuth("the TLS cluster", tlsEndpoints, tls, password);
            // One cluster after the other: prewarming both at once left the JITs of each half done (see Compare).
            prewarm(false, warm);
            prewarm(true, warm);
            for (int round = 1; round <= n; round++) {
                for (Case c : cases) {
                    for (Config config : SideBySide.order(CONFIGS, round)) {
                        Result r = run(config, c);
                        System.out.println("round " + round + ": " + r.line());
                        results.add(r);
                    }
                }
            }
        } finally {
            drivers.values().forEach(Driver::close);
            for (ClusterAuth a : new ClusterAuth[] {plainAuth, tlsAuth}) {
                if (a != null) {
                    a.close();
                }
            }
        }
        if (jsonOut != null) {
            SideBySide.writeJson(jsonOut, results);
        }
        printTable(cases, results, n);
        boolean clean = results.stream().allMatch(r -> r.errors() == 0 && r.ops() > 0);
        if (!clean) {
            System.out.println("some runs had errors or no operations: see their lines above");
        }
        return clean ? 0 : 1;
    }

    /**
     * Makes the users on one cluster, then loads it without auth for two thirds of {@code seconds} and with auth
     * for the rest: the servers' permission checks and this JVM's TLS and token paths compile before round one.
     * The first time auth is on, it also checks that the load is taken for bench.
     */
    private void prewarm(boolean tls, int seconds) throws Exception {
        ClusterAuth a = auth(tls);
        a.setUp();
        int conns = LoadOptions.defaults().connections();
        runner(config(tls, false), conns).prewarm(seconds * 2 / 3);
        a.enable();
        try {
            a.checkLoadIsNotRoot();
            runner(config(tls, true), conns).prewarm(seconds - seconds * 2 / 3);
        } finally {
            a.disable();
        }
    }

    private Result run(Config config, Case c) throws Exception {
        int conns = c.options().connections();
        if (!config.auth()) {
            return runner(config, conns).run(c.name(), c.workload(), c.options());
        }
        ClusterAuth a = auth(config.tls());
        a.enable();
        try {
            LoadRunner runner = runner(config, conns);
            // Turning auth on again made a new signing key: the tokens the driver's clients hold are void.
            drivers.get(key(config, conns)).connect();
            return runner.run(c.name(), c.workload(), c.options());
        } finally {
            a.disable();
        }
    }

    private ClusterAuth auth(boolean tls) {
        return tls ? tlsAuth : plainAuth;
    }

    private static Config config(boolean tls, boolean auth) {
        return CONFIGS.stream().filter(c -> c.tls() == tls && c.auth() == auth).findFirst().orElseThrow();
    }

    /**
     * One driver (and runner, which remembers the keys it wrote) per configuration and connection count, connected
     * when made; one of an auth configuration is made while auth is on, as its clients log in then.
     */
    private LoadRunner runner(Config config, int conns) throws Exception {
        String k = key(config, conns);
        LoadRunner runner = runners.get(k);
        if (runner == null) {
            ClusterAuth a = auth(config.tls());
            Security s = config.auth() ? a.loadSecurity() : a.tls();
            JetcdDriver d = new JetcdDriver(config.name(), config.tls() ? tlsEndpoints : plainEndpoints, conns, s);
            drivers.put(k, d);
            d.connect();
            runner = new LoadRunner(d, System.out);
            runners.put(k, runner);
        }
        return runner;
    }

    private static String key(Config config, int conns) {
        return config.name() + "/" + conns;
    }

    private static void printTable(List<Case> cases, List<Result> results, int rounds) {
        System.out.println();
        System.out.printf("medians of %d alternating rounds, through jetcd; ratio: ops/s against plain's%n", rounds);
        System.out.printf("%-9s %-9s %10s %7s %10s %10s %8s%n", "workload", "config", "ops/s", "ratio", "p50 ms",
                "p99 ms", "errors");
        for (Case c : cases) {
            double plain = median(runs(results, c.name(), "plain"), Result::opsPerSecond);
            for (Config config : CONFIGS) {
                List<Result> r = runs(results, c.name(), config.name());
                double ops = median(r, Result::opsPerSecond);
                System.out.printf("%-9s %-9s %10.0f %7.2f %10.2f %10.2f %8d%n", c.name(), config.name(), ops,
                        plain > 0 ? ops / plain : 0, median(r, Result::p50), median(r, Result::p99),
                        r.stream().mapToLong(Result::errors).sum());
            }
        }
        System.out.println("(plain: http, no auth; auth: the same cluster with auth on, as user bench; tls: client"
                + " TLS with client certificates, and TLS between members; tls+auth: both)");
    }
}
