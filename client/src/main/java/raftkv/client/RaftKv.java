package raftkv.client;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import raftkv.client.transport.HttpTransport;
import raftkv.common.Threads;

/**
 * A client of a raftkv cluster:
 *
 * <pre>{@code
 * try (RaftKv kv = RaftKv.builder().endpoints("http://127.0.0.1:2379", "http://127.0.0.1:22379").build()) {
 *     kv.kv().put("config/mode", "fast").join();
 *     String mode = kv.kv().get("config/mode").join().kvs().get(0).valueString();
 * }
 * }</pre>
 *
 * Every call is asynchronous ({@code CompletableFuture}); {@code join()} blocks. Calls fail over between
 * endpoints: see {@link KvClient} for which are retried. Thread-safe; one client per application is enough.
 */
public final class RaftKv implements AutoCloseable {

    /** The local cluster of {@code scripts/raftkv-cluster start 3}. */
    public static final List<String> LOCAL_ENDPOINTS =
            List.of("http://127.0.0.1:2379", "http://127.0.0.1:22379", "http://127.0.0.1:32379");

    private final HttpTransport transport;
    private final Rpc rpc;
    private final ExecutorService callbacks;
    private final ScheduledExecutorService timer;
    private final KvClient kv;
    private final WatchClient watch;
    private final LeaseClient lease;
    private final ClusterClient cluster;
    private final MaintenanceClient maintenance;

    private RaftKv(Builder b) {
        this.transport = new HttpTransport(b.connectTimeout);
        this.rpc = new Rpc(transport, new Endpoints(b.endpoints), b.timeout);
        this.callbacks = Executors.newCachedThreadPool(Threads.daemonPool("raftkv-client-callback"));
        this.timer = Executors.newSingleThreadScheduledExecutor(Threads.daemonPool("raftkv-client-timer"));
        this.kv = new KvClient(rpc);
        this.watch = new WatchClient(rpc, callbacks);
        this.lease = new LeaseClient(rpc, timer, callbacks);
        this.cluster = new ClusterClient(rpc);
        this.maintenance = new MaintenanceClient(rpc);
    }

    public static Builder builder() {
        return new Builder();
    }

    public KvClient kv() {
        return kv;
    }

    public WatchClient watch() {
        return watch;
    }

    public LeaseClient lease() {
        return lease;
    }

    public ClusterClient cluster() {
        return cluster;
    }

    public MaintenanceClient maintenance() {
        return maintenance;
    }

    public List<URI> endpoints() {
        return rpc.endpoints().all();
    }

    /** What the client has seen of each endpoint. */
    public List<EndpointHealth> endpointHealth() {
        return rpc.endpoints().health();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        transport.close();
        callbacks.shutdown();
        try {
            callbacks.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Builds a client: the endpoints, a timeout for each call (with its retries), a connect timeout. */
    public static final class Builder {
        private final List<URI> endpoints = new ArrayList<>();
        private Duration timeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(2);

        public Builder endpoints(String... urls) {
            return endpoints(List.of(urls));
        }

        public Builder endpoints(List<String> urls) {
            for (String u : urls) {
                for (String one : u.split(",")) {
                    if (!one.isBlank()) {
                        URI uri = URI.create(one.trim());
                        if (uri.getHost() == null || uri.getPort() < 0) {
                            throw new IllegalArgumentException("endpoint " + one + " is not http://host:port");
                        }
                        endpoints.add(uri);
                    }
                }
            }
            return this;
        }

        public Builder timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        public RaftKv build() {
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("no endpoints: give at least one, e.g. http://127.0.0.1:2379");
            }
            return new RaftKv(this);
        }
    }
}
