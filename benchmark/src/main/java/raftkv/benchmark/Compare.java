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

/**
 * raftkv and etcd side by side, in one process and one run, both through the same client: jetcd over etcd's gRPC
 * API. Each workload is run on both in alternating rounds (raftkv then etcd, then etcd then raftkv, ...) so that the
 * machine's noise hits both alike, and the medians of the rounds are compared. A second row per workload drives
 * raftkv through its own Java client over the JSON API instead (raftkv-http), against the same etcd figures. The
 * last line is {@code put256 ratio raftkv/etcd = X.XX} (jetcd for both). {@code scripts/bench-vs-etcd} starts both
 * clusters and runs this. {@code --user}, {@code --cacert}, {@code --cert} and {@code --key} apply to raftkv only.
 */
@CommandLine.Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the workloads on raftkv and etcd in alternating rounds and prints the ratios.",
                "--user, --cacert, --cert and --key apply to raftkv's side only."})
public final class Compare implements Callable<Integer> {

    @CommandLine.Mixin SideBySide sides;
    @Option(names = "--quick", description = "the four workloads the targets name, 3 rounds of 3 s") boolean quick;
    @Option(names = "--rounds", description = "rounds per workload (default 3, or 5 in full mode)") Integer rounds;
    @Option(names = "--seconds", description = "measured seconds per run (default 3 quick, 15 full)") Integer seconds;
    @Option(names = "--warmup", description = "unmeasured seconds before each run (default 1 quick, 2 full)")
    Integer warmup;
    @Option(names = "--prewarm", description = "unmeasured seconds of load on raftkv before the first round, two"
            + " thirds puts and one third gets (default 75, 90 full): a fresh JVM cluster, and this JVM's client,"
            + " compile their hot paths in their first minute or two") Integer prewarm;
    @Option(names = "--etcd-prewarm", description = "the same for etcd (default 24, 90 full): etcd compiles nothing,"
            + " but this JVM's jetcd client does") Integer etcdPrewarm;
    @Option(names = "--http-prewarm", description = "the same for raftkv's own HTTP client (default 20, 45 full): the"
            + " servers are warm by then, this JVM's second client is not") Integer httpPrewarm;
    @Option(names = "--no-http", description = "skip the raftkv-http rows") boolean noHttp;
    @Option(names = "--only", split = ",", description = "run only these workloads (by name)") List<String> only;
    @Option(names = "--json-out", description = "write every run's result here") Path jsonOut;
    @CommandLine.Mixin SecurityOptions security;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Compare()).execute(args));
    }

    List<Case> cases(int secs) {
        LoadOptions base = LoadOptions.defaults().withTime(secs, warmup != null ? warmup : quick ? 1 : 2);
        List<Case> all = new ArrayList<>(List.of(
                new Case("put256", Workload.PUT, base),
                new Case("put1", Workload.PUT, base.withInFlight(1, 1)),
                new Case("get256", Workload.RANGE, base),
                new Case("getser256", Workload.RANGE, base.withSerializable(true))));
        if (!quick) {
            all.addAll(List.of(
                    new Case("txn256", Workload.TXN_PUT, base),
                    new Case("mixed256", Workload.MIXED, base),
                    new Case("keepalive256", Workload.LEASE_KEEPALIVE, base),
                    new Case("watch1000", Workload.WATCH, base.withInFlight(64, 16).withRate(1_000))));
        }
        if (only != null) {
            all.removeIf(c -> !only.contains(c.name()));
        }
        return all;
    }

    @Override
    public Integer call() throws Exception {
        sides.raftkvSecurity(security.security(sides.raftkvEndpoints));
        int n = rounds != null ? rounds : quick ? 3 : 5;
        int secs = seconds != null ? seconds : quick ? 3 : 15;
        List<Case> cases = cases(secs);
        List<Result> results;
        try {
            sides.prewarm("raftkv", prewarm != null ? prewarm : quick ? 75 : 90);
            sides.prewarm("etcd", etcdPrewarm != null ? etcdPrewarm : quick ? 24 : 90);
            if (!noHttp) {
                sides.prewarm("raftkv-http", httpPrewarm != null ? httpPrewarm : quick ? 20 : 45);
            }
            results = sides.rounds(n, cases, noHttp ? List.of("raftkv", "etcd")
                    : List.of("raftkv", "etcd", "raftkv-http"));
        } finally {
            sides.close();
        }
        if (jsonOut != null) {
            SideBySide.writeJson(jsonOut, results);
        }
        printTable(cases, results, n);
        return 0;
    }

    private static void printTable(List<Case> cases, List<Result> results, int rounds) {
        System.out.println();
        System.out.printf("medians of %d alternating rounds%n", rounds);
        System.out.printf("%-17s %13s %13s %8s   %10s %10s   %10s %10s  %s%n", "workload", "raftkv ops/s",
                "etcd ops/s", "ratio", "raftkv p50", "etcd p50", "raftkv p99", "etcd p99", "errors r/e");
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (Case c : cases) {
            List<Result> e = runs(results, c.name(), "etcd");
            for (String raftkv : List.of("raftkv", "raftkv-http")) {
                List<Result> r = runs(results, c.name(), raftkv);
                if (r.isEmpty()) {
                    continue;
                }
                double ro = median(r, Result::opsPerSecond);
                double eo = median(e, Result::opsPerSecond);
                String row = raftkv.equals("raftkv") ? c.name() : c.name() + " http";
                ratios.put(row, eo > 0 ? ro / eo : 0);
                System.out.printf("%-17s %13.0f %13.0f %8.2f   %10.2f %10.2f   %10.2f %10.2f  %d/%d%n", row, ro, eo,
                        eo > 0 ? ro / eo : 0, median(r, Result::p50), median(e, Result::p50),
                        median(r, Result::p99), median(e, Result::p99), r.stream().mapToLong(Result::errors).sum(),
                        e.stream().mapToLong(Result::errors).sum());
            }
        }
        System.out.println("(ops/s and latency in ms are medians over the rounds; ratio is raftkv/etcd ops/s; rows"
                + " without a suffix drive both through jetcd over gRPC, 'http' rows drive raftkv through its own"
                + " client over the JSON API)");
        double lin = medianOf(results, "get256");
        double ser = medianOf(results, "getser256");
        if (lin > 0 && ser > 0) {
            System.out.printf("raftkv serializable/linearizable gets = %.2f%n", ser / lin);
        }
        if (ratios.containsKey("put256")) {
            System.out.printf("put256 ratio raftkv/etcd = %.2f%n", ratios.get("put256"));
        }
    }

    private static double medianOf(List<Result> results, String workload) {
        return median(runs(results, workload, "raftkv"), Result::opsPerSecond);
    }
}
