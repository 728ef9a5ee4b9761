package raftkv.server;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import raftkv.config.ConfigException;
import raftkv.config.ConfigLoader;
import raftkv.config.HostPort;
import raftkv.config.NodeConfig;
import raftkv.server.http.HttpApiServer;

/**
 * {@code raftkv-node --config FILE}: runs one node until SIGTERM/SIGINT. A bad configuration is reported, field by
 * field, on stderr, with exit code 2 and no stack trace.
 */
@CommandLine.Command(name = "raftkv-node", mixinStandardHelpOptions = true, version = "raftkv " + Node.VERSION,
        description = "Runs one raftkv node.")
public final class RaftKvServer implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RaftKvServer.class);

    @CommandLine.Option(names = "--config", required = true, description = "the node's YAML configuration file")
    private Path config;

    /**
     * A member that cannot apply or persist any more stops at once, as etcd does: going on would serve data its
     * disk does not hold. It halts rather than shutting down cleanly, since a clean shutdown would try to commit
     * again; a restart reopens the store at its last commit and replays the log.
     */
    private static void stopOnFailure(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String why = root.getMessage() == null ? root.toString() : root.getMessage();
        log.error("STOPPING THIS MEMBER: it can no longer apply or persist entries ({}). {}", why,
                why.contains("No space left")
                        ? "Its disk is full: free space, then restart it; it recovers from its snapshot and log."
                        : "Fix the cause, then restart it; it recovers from its snapshot and log.", cause);
        System.err.println("raftkv-node: stopping: " + why);
        Runtime.getRuntime().halt(70);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new RaftKvServer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        NodeConfig c;
        try {
            c = ConfigLoader.load(config);
        } catch (ConfigException e) {
            System.err.println("raftkv-node: refusing to start: the configuration is invalid");
            e.problems().forEach(p -> System.err.println("  " + p));
            return 2;
        }
        HostPort client = c.self().clientAddress();
        Node node = Node.start(c);
        HttpApiServer http;
        try {
            http = HttpApiServer.start(node, new InetSocketAddress(client.host(), client.port()));
        } catch (RuntimeException e) {
            System.err.println("raftkv-node: cannot serve clients on " + client + ": " + e.getMessage());
            node.close();
            return 1;
        }
        log.info("node {} ('{}') of cluster '{}' is up: clients on http://{}, raft on {}", c.node().id(),
                c.self().name(), c.cluster().name(), client, c.self().raft());
        node.raft().failure().thenAccept(RaftKvServer::stopOnFailure);
        if (Boolean.getBoolean("raftkv.test.brokenFollowerReads")) {
            log.error("TEST-ONLY BROKEN MODE: this member serves linearizable reads from local state when it is a"
                    + " follower, so they may be stale (raftkv.test.brokenFollowerReads)");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            http.close();
            node.close();
            stopped.countDown();
        }, "raftkv-shutdown"));
        stopped.await();
        return 0;
    }
}
