package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import raftkv.benchmark.Bench;

/**
 * A tiny run of every benchmark workload against a real cluster, so that the tool cannot rot: each must complete
 * operations without an error (the tool's exit code says so), through jetcd over gRPC (the comparison's driver for
 * both systems) and through raftkv's own HTTP client. The etcd comparison is not run here.
 */
class BenchSmokeIT {

    @TempDir
    Path dir;

    @Test
    void everyWorkloadRunsCleanAgainstACluster() throws Exception {
        try (TestCluster cluster = TestCluster.start(3, dir, TestCluster.Settings.DEFAULT)) {
            String endpoints = cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint)
                    .collect(Collectors.joining(","));
            for (String workload : new String[] {"put", "range", "txn-put", "mixed", "lease-keepalive", "watch"}) {
                run(endpoints, "raftkv", workload);
            }
            // raftkv's own client shares its workloads' code with jetcd's driver but not its client calls.
            for (String workload : new String[] {"put", "range", "lease-keepalive", "watch"}) {
                run(endpoints, "raftkv-http", workload);
            }
        }
    }

    private static void run(String endpoints, String driver, String workload) {
        // A watch run is paced (50 puts/s) and measured for longer: on a cold cluster on a busy machine a put can
        // take longer than a 1 s window.
        boolean watch = workload.equals("watch");
        int exit = new CommandLine(new Bench()).execute("--driver", driver, "--endpoints", endpoints,
                "--workload", workload, "--seconds", watch ? "3" : "1", "--warmup", "1", "--in-flight", "8",
                "--conns", "2", "--key-space", "200", "--leases", "5", "--watchers", "20",
                "--rate", watch ? "50" : "0", "--json");
        assertEquals(0, exit, workload + " through " + driver + " ran with errors or without operations (see the"
                + " output)");
    }
}
