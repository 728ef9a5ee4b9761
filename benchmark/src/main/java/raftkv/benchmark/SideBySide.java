package raftkv.benchmark;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Option;
import raftkv.benchmark.driver.Driver;
import raftkv.benchmark.driver.Security;

/**
 * raftkv and etcd driven from one JVM in alternating rounds, as {@link Compare} and {@link Curve} do: the two
 * clusters' endpoints (a picocli mixin), one driver and runner per system and connection count, the prewarm, the
 * rounds, and the medians over them. Systems are "raftkv" and "etcd" (both through jetcd) or "raftkv-http".
 */
final class SideBySide implements AutoCloseable {

    @Option(names = "--raftkv-endpoints", split = ",",
            defaultValue = "http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379")
    List<String> raftkvEndpoints;
    @Option(names = "--etcd-endpoints", split = ",",
            defaultValue = "http://127.0.0.1:42379,http://127.0.0.1:42479,http://127.0.0.1:42579")
    List<String> etcdEndpoints;

    private Security raftkvSecurity = Security.none();
    private final Map<String, LoadRunner> runners = new LinkedHashMap<>();
    private final List<Driver> drivers = new ArrayList<>();

    /** One row of a comparison: a name, a workload and its options. */
    record Case(String name, Workload workload, LoadOptions options) {
    }

    /** What raftkv's side (only) connects with: its user and TLS flags. */
    void raftkvSecurity(Security s) {
        raftkvSecurity = s;
    }

    /**
     * Puts for two thirds of {@code seconds}, then gets, on one system. It warms the raftkv JVMs and this one's two
     * clients: without it, both improved round after round. Measured put256, raftkv and etcd: 2,702 and 4,464 ops/s
     * after 10 s of prewarm, 8,637 and 8,053 after 60 s. Prewarming both at once saved 90 s but left raftkv still
     * compiling (4,620 to 6,545 ops/s over the three rounds that followed): its JIT shared the two cores with etcd.
     */
    void prewarm(String system, int seconds) throws Exception {
        runner(system, LoadOptions.defaults().connections()).prewarm(seconds);
    }

    /**
     * {@code n} rounds of every case on every system, a line for each run. Round by round across the cases, not
     * case by case: the JVMs still get faster during the first rounds, and this spreads that over every case instead
     * of handicapping the first. Within a round the systems take turns in {@link #order}.
     */
    List<Result> rounds(int n, List<Case> cases, List<String> systems) throws Exception {
        List<Result> results = new ArrayList<>();
        for (int round = 1; round <= n; round++) {
            for (Case c : cases) {
                for (String system : order(systems, round)) {
                    Result r = runner(system, c.options().connections()).run(c.name(), c.workload(), c.options());
                    System.out.println("round " + round + ": " + r.line());
                    results.add(r);
                }
            }
        }
        return results;
    }

    /** The systems (or configurations) in turn: as given in odd rounds, reversed in even ones: none always first. */
    static <T> List<T> order(List<T> systems, int round) {
        List<T> order = new ArrayList<>(systems);
        if (round % 2 == 0) {
            Collections.reverse(order);
        }
        return order;
    }

    /** One driver (and runner, which remembers what it wrote) per system and connection count. */
    private LoadRunner runner(String system, int conns) {
        return runners.computeIfAbsent(system + "/" + conns, k -> {
            boolean raftkv = system.startsWith("raftkv");
            Driver d = Bench.driver(system, raftkv ? raftkvEndpoints : etcdEndpoints, conns,
                    raftkv ? raftkvSecurity : Security.none());
            drivers.add(d);
            return new LoadRunner(d, System.out);
        });
    }

    @Override
    public void close() {
        drivers.forEach(Driver::close);
        drivers.clear();
        runners.clear();
    }

    /** Every run's result, as a JSON array (for {@code --json-out}). */
    static void writeJson(Path file, List<Result> results) throws Exception {
        Files.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(results));
    }

    /** The runs of one workload (by its case name) on one system (by its driver name). */
    static List<Result> runs(List<Result> results, String workload, String system) {
        return results.stream().filter(x -> x.workload().equals(workload) && x.driver().equals(system)).toList();
    }

    static double median(List<Result> rs, ToDoubleFunction<Result> f) {
        if (rs.isEmpty()) {
            return 0;
        }
        List<Double> v = rs.stream().map(f::applyAsDouble).sorted(Comparator.naturalOrder()).toList();
        int m = v.size() / 2;
        return v.size() % 2 == 1 ? v.get(m) : (v.get(m - 1) + v.get(m)) / 2;
    }
}
