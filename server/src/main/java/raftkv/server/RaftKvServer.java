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
    /** The innermost cause's message, which says what went wrong (the outer ones say where). */
    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    private static void stopOnFailure(Throwable cause) {
        String why = rootMessage(cause);
        log.error("STOPPING THIS MEMBER: it can no longer apply or persist entries ({}). {}", why,
                why.contains("No space left")
                        ? "Its disk is full: free space, then restart it; it recovers from its snapshot and log."
                        : "Fix the cause, then restart it; it recovers from its snapshot and log.", cause);
        System.err.println("raftkv-node: stopping: " + why);
        Runtime.getRuntime().halt(70);
    }

    /** Called with the node once it serves; a seam for test launchers only (see {@link Node#linearizableBarrier}). */
    private final java.util.function.Consumer<Node> onStarted;

    private RaftKvServer(java.util.function.Consumer<Node> onStarted) {
        this.onStarted = onStarted;
    }

    public static void main(String[] args) {
        System.exit(run(args, node -> { }));
    }

    /** Runs a node as {@link #main} does, handing it to {@code onStarted} once it serves; returns the exit code. */
    public static int run(String[] args, java.util.function.Consumer<Node> onStarted) {
        // grpc-java logs through java.util.logging; send it to the node's log (logback's LevelChangePropagator
        // keeps the disabled levels cheap).
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        return new CommandLine(new RaftKvServer(onStarted)).execute(args);
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
        Node node;
        try {
            node = Node.start(c);
        } catch (RuntimeException e) {
            // Its storage is unreadable (a corrupt log segment or snapshot, a store that cannot be rebuilt): say
            // why, in one line, and refuse to serve anything.
            log.error("REFUSING TO START: {}", rootMessage(e), e);
            System.err.println("raftkv-node: refusing to start: " + rootMessage(e));
            return 1;
        }
        ClientPort http;
        try {
            http = ClientPort.start(node, new InetSocketAddress(client.host(), client.port()));
        } catch (RuntimeException e) {
            System.err.println("raftkv-node: cannot serve clients on " + client + ": " + e.getMessage());
            node.close();
            return 1;
        }
        log.info("node {} ('{}') of cluster '{}' is up: clients (gRPC and HTTP) on http://{}, raft on {}", c.node().id(),
                c.self().name(), c.cluster().name(), client, c.self().raft());
        node.raft().failure().thenAccept(RaftKvServer::stopOnFailure);
        onStarted.accept(node);
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
