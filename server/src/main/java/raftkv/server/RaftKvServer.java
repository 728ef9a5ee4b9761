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
