package raftkv.server.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import raftkv.config.LocalCluster;

/**
 * Helpers behind {@code scripts/raftkv-cluster}: write a local cluster's configs, wait until it is ready, print its
 * status. Not the user's CLI (that is kvctl); it keeps the scripts free of JSON parsing.
 */
@CommandLine.Command(name = "raftkv-cluster-tool", mixinStandardHelpOptions = true,
        subcommands = {ClusterTool.Configs.class, ClusterTool.Wait.class, ClusterTool.Status.class})
public final class ClusterTool {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClusterTool()).execute(args));
    }

    @CommandLine.Command(name = "configs", description = "Writes node-i.yaml for an N-node local cluster.")
    static final class Configs implements Callable<Integer> {
        @CommandLine.Option(names = "--nodes", defaultValue = "3") int nodes;
        @CommandLine.Option(names = "--out", required = true) Path out;
        @CommandLine.Option(names = "--data", required = true) Path data;

        @Override
        public Integer call() throws Exception {
            LocalCluster.write(LocalCluster.defaults(nodes, data), out);
            return 0;
        }
    }

    @CommandLine.Command(name = "wait", description = "Waits until every endpoint is healthy and a leader is known.")
    static final class Wait implements Callable<Integer> {
        @CommandLine.Option(names = "--endpoints", required = true, split = ",") List<String> endpoints;
        @CommandLine.Option(names = "--timeout-seconds", defaultValue = "90") int timeout;

        @Override
        public Integer call() throws Exception {
            long deadline = System.nanoTime() + timeout * 1_000_000_000L;
            while (System.nanoTime() < deadline) {
                boolean all = true;
                for (String e : endpoints) {
                    all &= healthy(e);
                }
                if (all) {
                    return 0;
                }
                Thread.sleep(250);
            }
            System.err.println("the cluster did not become healthy within " + timeout + " s");
            return 1;
        }
    }

    @CommandLine.Command(name = "status", description = "Prints each node's state.")
    static final class Status implements Callable<Integer> {
        @CommandLine.Option(names = "--endpoints", required = true, split = ",") List<String> endpoints;

        @Override
        public Integer call() {
            System.out.printf("%-6s %-24s %-5s %-7s %-6s %-10s %-10s %-10s%n", "NODE", "ENDPOINT", "UP", "LEADER",
                    "TERM", "COMMITTED", "APPLIED", "REVISION");
            int i = 0;
            for (String e : endpoints) {
                i++;
                JsonNode s = status(e);
                if (s == null) {
                    System.out.printf("%-6d %-24s %-5s%n", i, e, "down");
                    continue;
                }
                long member = s.path("header").path("member_id").asLong();
                long leader = s.path("leader").asLong();
                System.out.printf("%-6d %-24s %-5s %-7s %-6d %-10d %-10d %-10d%n", i, e, "up",
                        leader == 0 ? "none" : leader == member ? "*" + leader : Long.toString(leader),
                        s.path("raftTerm").asLong(), s.path("raftIndex").asLong(),
                        s.path("raftAppliedIndex").asLong(), s.path("header").path("revision").asLong());
            }
            return 0;
        }
    }

    static boolean healthy(String endpoint) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    static JsonNode status(String endpoint) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(endpoint
                    + "/v3/maintenance/status")).timeout(Duration.ofSeconds(2))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }
}
