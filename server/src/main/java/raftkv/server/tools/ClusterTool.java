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
import raftkv.config.NodeConfig;
import raftkv.config.TlsSettings;
import raftkv.server.tls.ClientSsl;

/**
 * Helpers behind {@code scripts/raftkv-cluster}: write a local cluster's configs, wait until it is ready, print its
 * status. Not the user's CLI (that is kvctl); it keeps the scripts free of JSON parsing.
 */
@CommandLine.Command(name = "raftkv-cluster-tool", mixinStandardHelpOptions = true,
        subcommands = {ClusterTool.Configs.class, ClusterTool.Wait.class, ClusterTool.Status.class,
                ClusterTool.AddConfig.class, ClusterTool.Add.class, ClusterTool.Promote.class,
                ClusterTool.Remove.class})
public final class ClusterTool {

    private static final ObjectMapper JSON = new ObjectMapper();
    // The TLS options: set while the command line is parsed, before any subcommand runs; then only read.
    private static Path caFile;
    private static Path certFile;
    private static Path keyFile;
    private static int portOffset;
    private static HttpClient http;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--cacert", description = "trust the CAs of this PEM file (https endpoints)")
    void cacert(Path file) {
        caFile = file;
    }

    @CommandLine.Option(names = "--cert", description = "present this client certificate (PEM); needs --key")
    void cert(Path file) {
        certFile = file;
    }

    @CommandLine.Option(names = "--key", description = "the private key (PEM) of --cert")
    void key(Path file) {
        keyFile = file;
    }

    @CommandLine.Option(names = "--port-offset", description = "the cluster's ports are etcd's local ones plus this"
            + " (0 to 9999; default 0): configs, add-config and add use it, so that a second cluster runs beside the"
            + " first")
    void portOffset(int offset) {
        try {
            LocalCluster.checkPortOffset(offset);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port-offset: " + e.getMessage());
        }
        portOffset = offset;
    }

    static int clientPort(int id) {
        return LocalCluster.defaultClientPort(id) + portOffset;
    }

    static int raftPort(int id) {
        return LocalCluster.defaultRaftPort(id) + portOffset;
    }

    private static synchronized HttpClient http() {
        if (http == null) {
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500));
            if (caFile != null) {
                b.sslContext(ClientSsl.fromPem(caFile, certFile, keyFile));
            }
            http = b.build();
        }
        return http;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ClusterTool()).setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println(cmd.getCommandName() + ": " + e.getMessage());
            return 1;
        }).execute(args));
    }

    @CommandLine.Command(name = "configs", description = "Writes node-i.yaml for an N-node local cluster.")
    static final class Configs implements Callable<Integer> {
        @CommandLine.Option(names = "--nodes", defaultValue = "3") int nodes;
        @CommandLine.Option(names = "--out", required = true) Path out;
        @CommandLine.Option(names = "--data", required = true) Path data;
        @CommandLine.Option(names = "--tls-dir", description = "client and peer TLS, with client certificates "
                + "required, from this directory's ca.pem and node-i.pem (see CertTool's local command)")
        Path tlsDir;

        @Override
        public Integer call() throws Exception {
            List<NodeConfig> configs = LocalCluster.defaults(nodes, data, portOffset);
            if (tlsDir != null) {
                configs = configs.stream().map(c -> new NodeConfig(c.cluster(), c.node(), c.raft(), c.limits(),
                        c.compaction(), localTls(tlsDir, c.node().id()), null)).toList();
            }
            LocalCluster.write(configs, out);
            return 0;
        }
    }

    /** Client and peer TLS, client certificates required, from {@code dir}'s ca.pem and node-{@code id}.pem. */
    static TlsSettings localTls(Path dir, int id) {
        Path d = dir.toAbsolutePath();
        return TlsSettings.mutual(d.resolve("node-" + id + ".pem").toString(),
                d.resolve("node-" + id + "-key.pem").toString(), d.resolve("ca.pem").toString(),
                TlsSettings.DEFAULT_RELOAD_INTERVAL_MS);
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
            for (String e : endpoints) {
                JsonNode s = status(e);
                if (s == null) {
                    System.out.printf("%-6s %-24s %-5s%n", "-", e, "down");
                    continue;
                }
                long member = s.path("header").path("member_id").asLong();
                long leader = s.path("leader").asLong();
                System.out.printf("%-6d %-24s %-5s %-7s %-6d %-10d %-10d %-10d%n", member, e,
                        s.path("isLearner").asBoolean() ? "learn" : "up",
                        leader == 0 ? "none" : leader == member ? "*" + leader : Long.toString(leader),
                        s.path("raftTerm").asLong(), s.path("raftIndex").asLong(),
                        s.path("raftAppliedIndex").asLong(), s.path("header").path("revision").asLong());
            }
            return 0;
        }
    }

    @CommandLine.Command(name = "add-config", description = "Writes the config of a new member on the local ports "
            + "of the next free index (joining the running cluster) and prints its index.")
    static final class AddConfig implements Callable<Integer> {
        @CommandLine.Option(names = "--endpoints", required = true, split = ",") List<String> endpoints;
        @CommandLine.Option(names = "--out", required = true) Path out;
        @CommandLine.Option(names = "--data", required = true) Path data;
        @CommandLine.Option(names = "--tls-dir", description = "the cluster runs TLS from this directory (see "
                + "configs): issue the new member's certificate from its CA and configure TLS")
        Path tlsDir;

        @Override
        public Integer call() throws Exception {
            JsonNode list = post(endpoints, "/v3/cluster/member/list", "{}");
            java.util.List<raftkv.config.Member> members = new java.util.ArrayList<>();
            java.util.Set<Integer> ids = new java.util.HashSet<>();
            for (JsonNode m : list.path("members")) {
                int id = m.path("ID").asInt();
                ids.add(id);
                members.add(new raftkv.config.Member(id, m.path("name").asText(),
                        m.path("peerURLs").get(0).asText().replaceFirst("^https?://", ""),
                        m.path("clientURLs").path(0).asText().replaceFirst("^https?://", "")));
            }
            int next = 1;
            while (ids.contains(next)) {
                next++;
            }
            if (next > 5) {
                System.err.println("a local cluster has at most 5 members");
                return 2;
            }
            members.add(new raftkv.config.Member(next, "node-" + next, "127.0.0.1:" + raftPort(next),
                    "127.0.0.1:" + clientPort(next)));
            raftkv.config.NodeConfig config = new raftkv.config.NodeConfig(
                    new raftkv.config.ClusterConfig("raftkv-local", members, "existing"),
                    new raftkv.config.NodeConfig.Self(next, data.resolve("node-" + next).toString()), null, null,
                    null);
            if (tlsDir != null) {
                CertTool.member(CertTool.Issued.read(tlsDir, "ca"), "node-" + next, List.of())
                        .write(tlsDir, "node-" + next);
                config = new NodeConfig(config.cluster(), config.node(), config.raft(), config.limits(),
                        config.compaction(), localTls(tlsDir, next), null);
            }
            raftkv.config.ConfigLoader.write(config, out.resolve("node-" + next + ".yaml"));
            System.out.println(next);
            return 0;
        }
    }

    @CommandLine.Command(name = "add", description = "Adds a running, joining node as a learner (Raft catches it "
            + "up first; retried until it is a member).")
    static final class Add implements Callable<Integer> {
        @CommandLine.Option(names = "--endpoints", required = true, split = ",") List<String> endpoints;
        @CommandLine.Option(names = "--id", required = true) int id;
        @CommandLine.Option(names = "--timeout-seconds", defaultValue = "180") int timeout;

        @Override
        public Integer call() throws Exception {
            var add = JSON.createObjectNode().put("ID", id).put("isLearner", true);
            add.set("peerURLs", JSON.createArrayNode().add("http://127.0.0.1:" + raftPort(id)));
            add.set("clientURLs", JSON.createArrayNode().add("http://127.0.0.1:" + clientPort(id)));
            long deadline = System.nanoTime() + timeout * 1_000_000_000L;
            while (true) {
                try {
                    post(endpoints, "/v3/cluster/member/add", JSON.writeValueAsString(add));
                    return 0;
                } catch (IllegalStateException e) {
                    for (JsonNode m : post(endpoints, "/v3/cluster/member/list", "{}").path("members")) {
                        if (m.path("ID").asInt() == id) {
                            return 0; // the change went through although the call timed out
                        }
                    }
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
        }
    }

    @CommandLine.Command(name = "promote", description = "Waits until a learner has caught up, then promotes it.")
    static final class Promote implements Callable<Integer> {
        @CommandLine.Option(names = "--endpoints", required = true, split = ",") List<String> endpoints;
        @CommandLine.Option(names = "--id", required = true) int id;
        @CommandLine.Option(names = "--learner-endpoint", required = true) String learner;
        @CommandLine.Option(names = "--timeout-seconds", defaultValue = "120") int timeout;

        @Override
        public Integer call() throws Exception {
            long deadline = System.nanoTime() + timeout * 1_000_000_000L;
            while (System.nanoTime() < deadline) {
                JsonNode mine = status(learner);
                JsonNode theirs = null;
                for (String e : endpoints) {
                    if (!e.equals(learner) && (theirs = status(e)) != null) {
                        break;
                    }
                }
                if (mine != null && theirs != null
                        && mine.path("raftAppliedIndex").asLong() + 10 >= theirs.path("raftIndex").asLong()) {
                    post(endpoints, "/v3/cluster/member/promote", "{\"ID\":" + id + "}");
                    return 0;
                }
                Thread.sleep(250);
            }
            System.err.println("member " + id + " did not catch up within " + timeout + " s");
            return 1;
        }
    }

    @CommandLine.Command(name = "remove", description = "Removes a member from the cluster.")
    static final class Remove implements Callable<Integer> {
        @CommandLine.Option(names = "--endpoints", required = true, split = ",") List<String> endpoints;
        @CommandLine.Option(names = "--id", required = true) int id;

        @Override
        public Integer call() throws Exception {
            post(endpoints, "/v3/cluster/member/remove", "{\"ID\":" + id + "}");
            return 0;
        }
    }

    /** POSTs to the first endpoint that answers; fails on an error reply. */
    static JsonNode post(List<String> endpoints, String path, String body) throws Exception {
        Exception last = null;
        for (String e : endpoints) {
            try {
                HttpResponse<String> r = http().send(HttpRequest.newBuilder(URI.create(e + path))
                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(path + " failed: " + r.body());
                }
                return JSON.readTree(r.body());
            } catch (java.io.IOException ex) {
                last = ex;
            }
        }
        throw last;
    }

    static boolean healthy(String endpoint) {
        try {
            HttpResponse<String> r = http().send(HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    static JsonNode status(String endpoint) {
        try {
            HttpResponse<String> r = http().send(HttpRequest.newBuilder(URI.create(endpoint
                    + "/v3/maintenance/status")).timeout(Duration.ofSeconds(2))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (Exception e) {
            return null;
        }
    }
}
