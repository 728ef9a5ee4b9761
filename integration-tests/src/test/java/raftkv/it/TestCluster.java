package raftkv.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import raftkv.config.LocalCluster;
import raftkv.config.NodeConfig;

/**
 * A real cluster for a test: one JVM per node on free loopback ports (never the defaults, so a local cluster may
 * run beside), each with its own data directory and log file under the test's directory. Nodes can be killed with
 * SIGKILL, stopped, wiped and restarted.
 */
final class TestCluster implements AutoCloseable {

    /**
     * Settings for tests: quick elections; snapshots, log segments and the store quota (null: the default) as the
     * test needs.
     */
    record Settings(long electionTimeoutMs, long snapshotThreshold, long logSegmentBytes, Long quotaBytes) {
        static final Settings DEFAULT = new Settings(500, 10_000, 1L << 20);

        Settings(long electionTimeoutMs, long snapshotThreshold, long logSegmentBytes) {
            this(electionTimeoutMs, snapshotThreshold, logSegmentBytes, null);
        }
    }

    /**
     * TLS for a cluster: each member's settings by id, and the client side (trust and certificate) that the fixture's
     * own checks and {@link #api} use against the https endpoints.
     */
    record Tls(java.util.function.IntFunction<raftkv.config.TlsSettings> member, javax.net.ssl.SSLContext client) {
    }

    private final Path dir;
    private final Settings settings;
    private final List<NodeProcess> nodes = new java.util.concurrent.CopyOnWriteArrayList<>();
    final ApiClient api;

    /** The test class that made this cluster, by which .ci/run finds the node logs of a failed test. */
    private final String owner;

    private TestCluster(Path dir, Settings settings) {
        this(dir, settings, null);
    }

    private TestCluster(Path dir, Settings settings, Tls tls) {
        this.dir = dir;
        this.settings = settings;
        this.api = new ApiClient(tls == null ? null : tls.client());
        this.owner = StackWalker.getInstance().walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
                .map(c -> c.substring(c.lastIndexOf('.') + 1))
                .filter(c -> c.endsWith("IT") && !c.equals("SharedClusterIT")).findFirst().orElse(null));
    }

    static TestCluster start(int n, Path dir, Settings settings) throws IOException {
        return start(n, dir, settings, null);
    }

    /** A cluster whose members run with {@code tls} (null: plaintext), started. */
    static TestCluster start(int n, Path dir, Settings settings, Tls tls) throws IOException {
        TestCluster c = create(n, dir, settings, tls);
        try {
            c.startAll();
        } catch (IOException | RuntimeException e) {
            c.close(); // nobody else holds it yet: its node processes would outlive the test
            throw e;
        }
        return c;
    }

    /** Writes the configuration of an {@code n}-node cluster without starting anything. */
    static TestCluster create(int n, Path dir, Settings settings) throws IOException {
        return create(n, dir, settings, null);
    }

    static TestCluster create(int n, Path dir, Settings settings, Tls tls) throws IOException {
        TestCluster c = new TestCluster(dir, settings, tls);
        int[] client = new int[n];
        int[] raft = new int[n];
        for (int i = 0; i < n; i++) {
            client[i] = freePort();
            raft[i] = freePort();
        }
        List<NodeConfig> configs = LocalCluster.generate(c.name(), n, dir.resolve("data"), client, raft,
                c.raftSettings(), c.limits(), NodeConfig.CompactionSettings.DEFAULTS);
        if (tls != null) {
            configs = configs.stream().map(k -> new NodeConfig(k.cluster(), k.node(), k.raft(), k.limits(),
                    k.compaction(), tls.member().apply(k.node().id()), null)).toList();
        }
        List<Path> files = LocalCluster.write(configs, dir.resolve("config"));
        String scheme = tls == null ? "http" : "https";
        for (int i = 0; i < n; i++) {
            c.nodes.add(new NodeProcess(i + 1, files.get(i), dir.resolve("data").resolve("node-" + (i + 1)),
                    dir.resolve("node-" + (i + 1) + ".log"), scheme + "://127.0.0.1:" + client[i]));
        }
        return c;
    }

    /**
     * Writes the configuration of a cluster whose node {@code i} listens for peers on {@code raftHosts[i]} and for
     * clients on {@code clientHosts[i]} (fixed ports: each host is its own network namespace), and runs under
     * {@code launchers[i]} (such as {@code ip netns exec ns1}).
     */
    static TestCluster createOn(Path dir, Settings settings, List<String> raftHosts, List<String> clientHosts,
                                List<List<String>> launchers) throws IOException {
        TestCluster c = new TestCluster(dir, settings);
        List<raftkv.config.Member> members = new ArrayList<>();
        for (int i = 0; i < raftHosts.size(); i++) {
            members.add(new raftkv.config.Member(i + 1, "node-" + (i + 1), raftHosts.get(i) + ":2380",
                    clientHosts.get(i) + ":2379"));
        }
        var cluster = new raftkv.config.ClusterConfig(c.name(), members);
        for (int i = 0; i < raftHosts.size(); i++) {
            Path data = dir.resolve("data").resolve("node-" + (i + 1));
            NodeConfig config = new NodeConfig(cluster, new NodeConfig.Self(i + 1, data.toString()), c.raftSettings(),
                    c.limits(), NodeConfig.CompactionSettings.DEFAULTS);
            Path file = dir.resolve("config").resolve("node-" + (i + 1) + ".yaml");
            Files.createDirectories(file.getParent());
            raftkv.config.ConfigLoader.write(config, file);
            NodeProcess p = new NodeProcess(i + 1, file, data, dir.resolve("node-" + (i + 1) + ".log"),
                    "http://" + clientHosts.get(i) + ":2379");
            p.launcher.addAll(launchers.get(i));
            c.nodes.add(p);
        }
        return c;
    }

    void startAll() throws IOException {
        for (NodeProcess p : nodes) {
            p.start();
        }
        awaitHealthy();
    }

    private String name() {
        return "it-" + dir.getFileName();
    }

    private NodeConfig.RaftSettings raftSettings() {
        return new NodeConfig.RaftSettings(settings.electionTimeoutMs(), settings.snapshotThreshold(), 10_000L,
                settings.logSegmentBytes(), 1_000L);
    }

    private NodeConfig.Limits limits() {
        return new NodeConfig.Limits(null, settings.quotaBytes(), null);
    }

    List<Path> configFiles() {
        return nodes.stream().map(p -> p.config).toList();
    }

    /**
     * Grows the cluster by one member, as an operator would: start a node that joins (no peers), add it as a
     * learner, let it catch up, promote it. Returns the new node.
     */
    NodeProcess addNode() throws Exception {
        Joining j = startJoiningNode();
        NodeProcess p = j.process();
        int id = p.id();
        String add = "{\"ID\":" + id + ",\"isLearner\":true,\"peerURLs\":[\"" + j.peerUrl()
                + "\"],\"clientURLs\":[\"" + p.endpoint() + "\"]}";
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            var r = api.post(live().get(0).endpoint(), "/v3/cluster/member/add", add);
            if (r.ok()) {
                return true;
            }
            var now = api.post(live().get(0).endpoint(), "/v3/cluster/member/list", "{}").body().path("members");
            for (var m : now) {
                if (m.path("ID").asInt() == id) {
                    return true;
                }
            }
            return false;
        });
        nodes.add(p);
        joining.remove(p);
        // Caught up to where the leader's log was when it joined: under write load the leader's own index keeps
        // moving, and a learner a few in-flight entries behind it is in sync.
        long target = api.status(node(leader()).endpoint()).path("raftIndex").asLong();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            var mine = api.status(p.endpoint());
            return mine != null && mine.path("raftAppliedIndex").asLong() >= target;
        });
        var promoted = api.post(live().get(0).endpoint(), "/v3/cluster/member/promote", "{\"ID\":" + id + "}");
        if (!promoted.ok()) {
            throw new IllegalStateException("promote failed: " + promoted.body());
        }
        awaitHealthy();
        return p;
    }

    /** A node started to join the cluster (no peers), not added yet, and the peer URL to add it under. */
    record Joining(NodeProcess process, String peerUrl) {
    }

    /**
     * Starts a node that waits to be added, under the next member id never used in this cluster (the id a member
     * added without one gets, while no member was removed). close() kills it even if it never joins.
     */
    Joining startJoiningNode() throws Exception {
        var list = api.post(live().get(0).endpoint(), "/v3/cluster/member/list", "{}").body().path("members");
        List<raftkv.config.Member> members = new ArrayList<>();
        int id = 0;
        for (var m : list) {
            members.add(new raftkv.config.Member(m.path("ID").asInt(), m.path("name").asText(),
                    m.path("peerURLs").get(0).asText().replaceFirst("^http://", ""),
                    m.path("clientURLs").path(0).asText().replaceFirst("^http://", "")));
            id = Math.max(id, m.path("ID").asInt());
        }
        // A new member gets an id never used in this cluster: Ratis mixes up a member added under the id of one
        // just removed (seen: such a learner never caught up).
        for (NodeProcess p : nodes) {
            id = Math.max(id, p.id());
        }
        for (NodeProcess p : retired) {
            id = Math.max(id, p.id());
        }
        id++;
        int client = freePort();
        int raft = freePort();
        members.add(new raftkv.config.Member(id, "node-" + id, "127.0.0.1:" + raft, "127.0.0.1:" + client));
        NodeConfig config = new NodeConfig(new raftkv.config.ClusterConfig(name(), members, "existing"),
                new NodeConfig.Self(id, dir.resolve("data").resolve("node-" + id).toString()), raftSettings(),
                limits(), NodeConfig.CompactionSettings.DEFAULTS);
        Path file = dir.resolve("config").resolve("node-" + id + ".yaml");
        raftkv.config.ConfigLoader.write(config, file);
        NodeProcess p = new NodeProcess(id, file, dir.resolve("data").resolve("node-" + id),
                dir.resolve("node-" + id + ".log"), "http://127.0.0.1:" + client);
        p.start();
        joining.add(p); // killed by close() even if it never joins
        return new Joining(p, "http://127.0.0.1:" + raft);
    }

    /** Stops a member that was removed (or a joining node never added), keeping its log. */
    void retire(NodeProcess p) {
        p.stop();
        nodes.remove(p);
        joining.remove(p);
        retired.add(p);
    }

    /** Removes a member from the cluster and stops its process. */
    void removeNode(NodeProcess p) throws Exception {
        // Right after a fault the cluster may answer "try again" (no leader yet); a retry after a lost answer may
        // find the member already gone, which is what was asked.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            String via = live().stream().filter(q -> q != p).findFirst().orElseThrow().endpoint();
            var r = api.post(via, "/v3/cluster/member/remove", "{\"ID\":" + p.id() + "}");
            if (r.ok()) {
                return true;
            }
            if (r.status() < 500) {
                var members = api.post(via, "/v3/cluster/member/list", "{}").body().path("members");
                for (var m : members) {
                    if (m.path("ID").asInt() == p.id()) {
                        throw new IllegalStateException("remove failed: " + r.body());
                    }
                }
                return true;
            }
            return false;
        });
        retire(p);
        awaitHealthy();
    }

    /** Removed members, kept for their logs. */
    private final List<NodeProcess> retired = new ArrayList<>();
    /** Started by addNode and not yet members. */
    private final List<NodeProcess> joining = new ArrayList<>();

    NodeProcess node(int id) {
        return nodes.stream().filter(p -> p.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + id));
    }

    List<NodeProcess> nodes() {
        return nodes;
    }

    List<NodeProcess> live() {
        return nodes.stream().filter(NodeProcess::isAlive).toList();
    }

    /** Waits until every live node is healthy (knows a leader and serves linearizable reads). */
    void awaitHealthy() {
        Map<Integer, Object> seen = new ConcurrentSkipListMap<>();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                boolean all = true;
                for (NodeProcess p : live()) {
                    var h = api.health(p.endpoint());
                    seen.put(p.id(), h);
                    all &= h.ok();
                }
                return all;
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("the live nodes " + ids(live()) + " were not all healthy within 60 s;"
                    + " last answers: " + seen + "; node logs in " + keptLogs(), e);
        }
    }

    /** The id of the leader, as the live nodes agree on it. */
    int leader() {
        int[] leader = {0};
        Map<Integer, Object> seen = new ConcurrentSkipListMap<>();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                for (NodeProcess p : live()) {
                    var answer = api.statusOrWhy(p.endpoint());
                    var s = answer.body();
                    seen.put(p.id(), s == null ? answer.observed()
                            : "leader " + s.path("leader").asInt() + " term " + s.path("raftTerm").asLong());
                    if (s != null && s.path("leader").asInt() != 0 && live().stream()
                            .anyMatch(q -> q.id() == s.path("leader").asInt())) {
                        leader[0] = s.path("leader").asInt();
                        return true;
                    }
                }
                return false;
            });
        } catch (ConditionTimeoutException e) {
            // Said whole in one line: CI shows a failed test by its message.
            throw new IllegalStateException("the live nodes " + ids(live()) + " named no live leader within 30 s;"
                    + " last answers: " + seen + "; node logs in " + keptLogs(), e);
        }
        return leader[0];
    }

    private static List<Integer> ids(List<NodeProcess> nodes) {
        return nodes.stream().map(NodeProcess::id).toList();
    }

    /** Where {@link #close()} keeps the node logs: {@code target/it-logs/<test class>-<test dir>}. */
    private Path keptLogs() {
        String name = dir.getFileName().toString();
        return Path.of("target", "it-logs", owner == null || name.startsWith(owner) ? name : owner + "-" + name);
    }

    /** Kills every node and keeps their logs where {@link #keptLogs()} says: the test dir is deleted. */
    @Override
    public void close() {
        Path keep = keptLogs();
        List<NodeProcess> all = new ArrayList<>(nodes);
        all.addAll(retired);
        all.addAll(joining);
        for (NodeProcess p : all) {
            p.kill();
            try {
                Files.createDirectories(keep);
                if (Files.exists(p.log())) {
                    Files.copy(p.log(), keep.resolve(p.log().getFileName()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                System.err.println("could not keep " + p.log() + ": " + e);
            }
        }
    }

    /** Every port handed out in this JVM: the kernel may offer a just-closed ephemeral port again at once. */
    private static final java.util.Set<Integer> GIVEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A free loopback port, never one this JVM handed out before (two members on one port refuse to start). */
    static int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                s.setReuseAddress(true);
                if (GIVEN.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    /** One node's process. */
    static final class NodeProcess {
        private final int id;
        final Path config;
        private final Path dataDir;
        private final Path log;
        private final String endpoint;
        private Process process;
        private final List<String> jvmArgs = new ArrayList<>();
        /** What the JVM is started under, if anything (a network namespace). */
        private final List<String> launcher = new ArrayList<>();
        /** The node's main class: the real one, or a test launcher that breaks something on purpose. */
        private static final String SERVER_MAIN = "raftkv.server.RaftKvServer";
        private String mainClass = SERVER_MAIN;
        private volatile boolean paused;

        NodeProcess(int id, Path config, Path dataDir, Path log, String endpoint) {
            this.id = id;
            this.config = config;
            this.dataDir = dataDir;
            this.log = log;
            this.endpoint = endpoint;
        }

        int id() {
            return id;
        }

        String endpoint() {
            return endpoint;
        }

        Path log() {
            return log;
        }

        boolean isAlive() {
            return process != null && process.isAlive();
        }

        void start() throws IOException {
            paused = false;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // The node's own logging (INFO to its log), not this module's logback-test.xml on the shared classpath.
            List<String> cmd = new ArrayList<>(launcher);
            cmd.add(java);
            cmd.addAll(NodeClassArchive.NODE_JVM);
            cmd.add("-Dlogback.configurationFile=logback.xml");
            cmd.addAll(jvmArgs);
            // The real server starts from the class archive (jars only); a test launcher needs this module's classes.
            cmd.addAll(mainClass.equals(SERVER_MAIN) ? NodeClassArchive.serverJvm()
                    : List.of("-cp", System.getProperty("java.class.path")));
            cmd.addAll(List.of(mainClass, "--config", config.toString()));
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        }

        /** Starts the node, from its next start on, through {@code main} instead of the real server's main. */
        void launchWith(Class<?> main) {
            mainClass = main.getName();
        }

        /** Extra JVM arguments for the next start (a test-only system property, say). */
        void jvmArgs(String... args) {
            jvmArgs.addAll(List.of(args));
        }

        Path dataDir() {
            return dataDir;
        }

        /** SIGSTOP: the process freezes mid-flight, its sockets open, as a long GC pause or a hung VM would. */
        void pause() throws IOException, InterruptedException {
            signal("STOP");
            paused = true;
        }

        boolean isPaused() {
            return paused;
        }

        /** SIGCONT after {@link #pause()}. */
        void resume() throws IOException, InterruptedException {
            signal("CONT");
            paused = false;
        }

        private void signal(String name) throws IOException, InterruptedException {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        }

        /** SIGKILL: no shutdown hook, nothing flushed. */
        void kill() {
            if (process != null) {
                process.destroyForcibly();
                waitFor();
            }
        }

        /** SIGTERM: a clean shutdown. */
        void stop() {
            if (process != null) {
                process.destroy();
                waitFor();
            }
        }

        void wipe() throws IOException {
            if (isAlive()) {
                throw new IllegalStateException("wipe a running node");
            }
            if (Files.exists(dataDir)) {
                try (Stream<Path> walk = Files.walk(dataDir)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }

        /** The live generation of this member's store, as its {@code CURRENT} file names it. */
        Path storeGeneration() throws IOException {
            Path store = dataDir.resolve("store");
            return store.resolve(Files.readString(store.resolve("CURRENT")).trim());
        }

        String logText() throws IOException {
            return Files.exists(log) ? Files.readString(log) : "";
        }

        private void waitFor() {
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
