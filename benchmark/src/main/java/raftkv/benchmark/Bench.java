package raftkv.benchmark;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import raftkv.benchmark.driver.Driver;
import raftkv.benchmark.driver.JetcdDriver;
import raftkv.benchmark.driver.RaftKvDriver;
import raftkv.benchmark.driver.Security;

/**
 * One benchmark run against raftkv (through its client library) or etcd (through jetcd, its native gRPC API), in
 * the manner of etcd's {@code benchmark} tool: a progress line a second, then throughput, latency percentiles and
 * errors, optionally as JSON.
 *
 * <pre>
 * bench --workload put --in-flight 256 --seconds 20
 * bench --driver etcd --endpoints http://127.0.0.1:42379 --workload range --serializable
 * bench --endpoints https://127.0.0.1:2379 --cacert ca.pem --cert root.pem --key root-key.pem --user bench:pw
 * </pre>
 */
@CommandLine.Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Drives a raftkv or etcd cluster with one workload and reports throughput and latency.")
public final class Bench implements Callable<Integer> {

    @Option(names = "--driver", defaultValue = "raftkv", description = "raftkv or etcd (both through jetcd over gRPC), or raftkv-http (raftkv's own Java client over the JSON API)") String driver;
    @Option(names = "--endpoints", split = ",",
            defaultValue = "http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379") List<String> endpoints;
    @Option(names = "--workload", defaultValue = "put",
            description = "put, range, txn-put, mixed, lease-keepalive or watch") String workload;
    @Option(names = "--in-flight", defaultValue = "256", description = "requests in flight at once") int inFlight;
    @Option(names = "--conns", defaultValue = "16", description = "client instances to spread them over") int conns;
    @Option(names = "--seconds", defaultValue = "10", description = "measured time") int seconds;
    @Option(names = "--warmup", defaultValue = "2", description = "unmeasured seconds first") int warmup;
    @Option(names = "--total", defaultValue = "0", description = "stop after this many operations instead") long total;
    @Option(names = "--rate", defaultValue = "0", description = "operations per second at most (0: no limit)") int rate;
    @Option(names = "--key-size", defaultValue = "16") int keySize;
    @Option(names = "--val-size", defaultValue = "256") int valueSize;
    @Option(names = "--key-space", defaultValue = "10000") int keySpace;
    @Option(names = "--sequential-keys") boolean sequentialKeys;
    @Option(names = "--serializable", description = "local reads instead of linearizable ones") boolean serializable;
    @Option(names = "--read-percent", defaultValue = "80", description = "gets in the mixed workload") int readPercent;
    @Option(names = "--leases", defaultValue = "100") int leases;
    @Option(names = "--watchers", defaultValue = "1000") int watchers;
    @Option(names = "--json", description = "print the result as one JSON line too") boolean json;
    @CommandLine.Mixin SecurityOptions security;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    static Driver driver(String name, List<String> endpoints, int conns, Security security) {
        return switch (name) {
            case "raftkv", "etcd" -> new JetcdDriver(name, endpoints, conns, security);
            case "raftkv-http" -> new RaftKvDriver(endpoints, conns, security);
            default -> throw new CommandLine.ParameterException(new CommandLine(new Bench()),
                    "--driver: raftkv, raftkv-http or etcd, not " + name);
        };
    }

    static Workload workload(String name) {
        try {
            return Workload.valueOf(name.toUpperCase().replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(new Bench()), "--workload: put, range, txn-put,"
                    + " mixed, lease-keepalive or watch, not " + name);
        }
    }

    @Override
    public Integer call() throws Exception {
        Workload w = workload(workload);
        Security s = security.security(endpoints);
        LoadOptions o = new LoadOptions(inFlight, conns, seconds, warmup, total, rate, keySize, valueSize, keySpace,
                sequentialKeys, serializable, readPercent, leases, watchers);
        try (Driver d = driver(driver, endpoints, conns, s)) {
            Result r = new LoadRunner(d, System.out).run(workload, w, o);
            System.out.println(r.line());
            if (json) {
                System.out.println(new ObjectMapper().writeValueAsString(r));
            }
            return r.errors() == 0 && r.ops() > 0 ? 0 : 1;
        }
    }
}
