package raftkv.benchmark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import raftkv.benchmark.SideBySide.Case;

/**
 * The concurrency curve: throughput and p50/p99 of one workload at 1, 4, 16, 64, 256 and 1024 requests in flight,
 * on raftkv and etcd side by side through jetcd, as {@link Compare} runs them: prewarm, then alternating rounds
 * (raftkv then etcd, then etcd then raftkv, ...), round by round across the levels, so that the JVMs' warm-up during
 * the first rounds spreads over every level, and the medians of the rounds. Prints a table, and writes the runs
 * (--json-out) and the medians (--csv-out, what {@link PlotCurve} plots). {@code scripts/bench-curve} starts both
 * clusters, runs this, and plots it.
 */
@CommandLine.Command(name = "curve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs one workload on raftkv and etcd at several numbers of requests in flight, in"
                + " alternating rounds, and prints throughput and latency at each.",
                "--user, --cacert, --cert and --key apply to raftkv's side only."})
public final class Curve implements Callable<Integer> {

    static final List<String> SYSTEMS = List.of("raftkv", "etcd");
    /** Clients the load is spread over at most: Compare's 16, so that Curve's 256 is Compare's put256. */
    static final int MAX_CONNECTIONS = 16;

    @CommandLine.Mixin SideBySide sides;
    @Option(names = {"--workload", "--curve-workload"}, defaultValue = "put",
            description = "put, or range (linearizable gets of keys written first)") String workload;
    @Option(names = "--levels", split = ",", defaultValue = "1,4,16,64,256,1024",
            description = "the numbers of requests in flight (default ${DEFAULT-VALUE})") List<Integer> levels;
    @Option(names = "--quick", description = "3 rounds of 3 s after a short prewarm (20 s raftkv, 10 s etcd): to"
            + " see it work, not to measure") boolean quick;
    @Option(names = "--rounds", description = "rounds (default 3 quick, 5 full)") Integer rounds;
    @Option(names = "--seconds", description = "measured seconds per run (default 3 quick, 10 full)") Integer seconds;
    @Option(names = "--warmup", description = "unmeasured seconds before each run (default 1 quick, 2 full)")
    Integer warmup;
    @Option(names = "--prewarm", description = "unmeasured seconds of load on raftkv before the first round, as"
            + " Compare's (default 20 quick, 90 full)") Integer prewarm;
    @Option(names = "--etcd-prewarm", description = "the same for etcd (default 10 quick, 90 full)")
    Integer etcdPrewarm;
    @Option(names = "--json-out", description = "write every run's result here") Path jsonOut;
    @Option(names = "--csv-out", description = "write the medians here, a row per system and level (PlotCurve's"
            + " input)") Path csvOut;
    @CommandLine.Mixin SecurityOptions security;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Curve()).execute(args));
    }

    /** A lone client at 1 in flight, as many clients as requests up to 16, then 16 (Compare's put1 and put256). */
    static int connections(int inFlight) {
        return Math.min(MAX_CONNECTIONS, inFlight);
    }

    /** The run name's prefix: Compare's names, "put" and "get". */
    String prefix() {
        return switch (workload) {
            case "put" -> "put";
            case "range" -> "get";
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--workload: put or range, not " + workload);
        };
    }

    /** The levels ascending, each once. */
    List<Integer> levels() {
        if (levels.stream().anyMatch(l -> l < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--levels: each at least 1, not " + levels);
        }
        return levels.stream().sorted().distinct().toList();
    }

    List<Case> cases(int secs) {
        LoadOptions base = LoadOptions.defaults().withTime(secs, warmup != null ? warmup : quick ? 1 : 2);
        Workload w = prefix().equals("put") ? Workload.PUT : Workload.RANGE;
        List<Case> cases = new ArrayList<>();
        for (int level : levels()) {
            cases.add(new Case(CurvePoint.runName(prefix(), level), w, base.withInFlight(level, connections(level))));
        }
        return cases;
    }

    @Override
    public Integer call() throws Exception {
        sides.raftkvSecurity(security.security(sides.raftkvEndpoints));
        int n = rounds != null ? rounds : quick ? 3 : 5;
        List<Case> cases = cases(seconds != null ? seconds : quick ? 3 : 10);
        List<Result> results;
        try {
            sides.prewarm("raftkv", prewarm != null ? prewarm : quick ? 20 : 90);
            sides.prewarm("etcd", etcdPrewarm != null ? etcdPrewarm : quick ? 10 : 90);
            results = sides.rounds(n, cases, SYSTEMS);
        } finally {
            sides.close();
        }
        if (jsonOut != null) {
            SideBySide.writeJson(jsonOut, results);
        }
        List<CurvePoint> points = CurvePoint.medians(results, prefix(), levels(), SYSTEMS);
        if (csvOut != null) {
            CurvePoint.writeCsv(csvOut, points);
        }
        printTable(points, n);
        if (points.stream().anyMatch(p -> p.errors() > 0)) {
            System.out.println("some runs had errors: the first of each run is in its lines above");
        }
        return 0;
    }

    private void printTable(List<CurvePoint> points, int n) {
        System.out.println();
        System.out.printf("%s: medians of %d alternating rounds, both through jetcd, clients = min(%d, in flight)%n",
                prefix(), n, MAX_CONNECTIONS);
        System.out.printf("%9s %13s %13s %7s   %10s %10s   %10s %10s  %s%n", "in flight", "raftkv ops/s",
                "etcd ops/s", "ratio", "raftkv p50", "etcd p50", "raftkv p99", "etcd p99", "errors r/e");
        for (int level : levels()) {
            CurvePoint r = CurvePoint.find(points, "raftkv", level);
            CurvePoint e = CurvePoint.find(points, "etcd", level);
            if (r == null || e == null) {
                continue;
            }
            System.out.printf("%9d %13.0f %13.0f %7.2f   %10.2f %10.2f   %10.2f %10.2f  %d/%d%n", level,
                    r.opsPerSecond(), e.opsPerSecond(), e.opsPerSecond() > 0 ? r.opsPerSecond() / e.opsPerSecond() : 0,
                    r.p50(), e.p50(), r.p99(), e.p99(), r.errors(), e.errors());
        }
        System.out.println("(ops/s and latency in ms are medians over the rounds; ratio is raftkv/etcd ops/s; errors"
                + " are summed over the rounds)");
    }
}
