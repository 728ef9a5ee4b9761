package raftkv.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates the configuration of an N-node cluster on loopback, on etcd's local-cluster ports unless told
 * otherwise: node i serves clients on 2379, 22379, 32379, ... and Raft on 2380, 22380, 32380, ...
 */
public final class LocalCluster {

    private LocalCluster() {
    }

    /** etcd's convention: i = 1 → 2379, otherwise i*10000 + 2379. */
    public static int defaultClientPort(int i) {
        return i == 1 ? 2379 : i * 10_000 + 2379;
    }

    public static int defaultRaftPort(int i) {
        return defaultClientPort(i) + 1;
    }

    /** The configs of an {@code n}-node cluster with data under {@code dataRoot/node-i}. */
    public static List<NodeConfig> generate(String name, int n, Path dataRoot, int[] clientPorts, int[] raftPorts,
                                            NodeConfig.RaftSettings raft, NodeConfig.Limits limits,
                                            NodeConfig.CompactionSettings compaction) {
        List<Member> members = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            members.add(new Member(i, "node-" + i, "127.0.0.1:" + raftPorts[i - 1],
                    "127.0.0.1:" + clientPorts[i - 1]));
        }
        ClusterConfig cluster = new ClusterConfig(name, members);
        List<NodeConfig> configs = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            configs.add(new NodeConfig(cluster, new NodeConfig.Self(i, dataRoot.resolve("node-" + i).toString()), raft, limits,
                    compaction));
        }
        return configs;
    }

    /** The default local cluster of {@code n} nodes (1 to 5) on etcd's ports. */
    public static List<NodeConfig> defaults(int n, Path dataRoot) {
        return defaults(n, dataRoot, 0);
    }

    /**
     * The same with every port moved up by {@code portOffset} (0 to 9999), so that a second local cluster can run
     * beside the first one: with 100, node 1 serves on 2479 and 2480, node 2 on 22479 and 22480.
     */
    public static List<NodeConfig> defaults(int n, Path dataRoot, int portOffset) {
        if (n < 1 || n > 5) {
            throw new IllegalArgumentException("a local cluster has 1 to 5 nodes, not " + n);
        }
        checkPortOffset(portOffset);
        int[] client = new int[n];
        int[] raft = new int[n];
        for (int i = 1; i <= n; i++) {
            client[i - 1] = defaultClientPort(i) + portOffset;
            raft[i - 1] = defaultRaftPort(i) + portOffset;
        }
        return generate("raftkv-local", n, dataRoot, client, raft, NodeConfig.RaftSettings.DEFAULTS,
                NodeConfig.Limits.DEFAULTS, NodeConfig.CompactionSettings.DEFAULTS);
    }

    /** Below 10,000, node i's ports never reach node i+1's; and node 5's stay below 65,536. */
    public static void checkPortOffset(int portOffset) {
        if (portOffset < 0 || portOffset > 9_999) {
            throw new IllegalArgumentException("a port offset is 0 to 9999, not " + portOffset);
        }
    }

    /** Writes {@code configs} as {@code dir/node-i.yaml}; returns the files. */
    public static List<Path> write(List<NodeConfig> configs, Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        for (NodeConfig c : configs) {
            Path f = dir.resolve("node-" + c.node().id() + ".yaml");
            ConfigLoader.write(c, f);
            files.add(f);
        }
        return files;
    }
}
