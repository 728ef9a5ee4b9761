package raftkv.client;

import java.net.URI;
import java.nio.file.Path;
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
 *
 * <p>Over TLS, as a user of a cluster with authentication enabled:
 *
 * <pre>{@code
 * RaftKv.builder().endpoints("https://10.0.0.1:2379", "https://10.0.0.2:2379")
 *         .caCert(Path.of("ca.pem"))                                  // or trustStore(...); default: the JDK's CAs
 *         .clientCert(Path.of("client.pem"), Path.of("client-key.pem")) // or keyStore(...); only for mutual TLS
 *         .user("app", password)                                       // the token is fetched and renewed as needed
 *         .build();
 * }</pre>
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
    private final AuthClient auth;

    private RaftKv(Builder b, io.netty.handler.ssl.SslContext tls) {
        this.transport = new HttpTransport(b.connectTimeout, tls);
        this.rpc = new Rpc(transport, new Endpoints(b.endpoints), b.timeout, b.user, b.password);
        this.callbacks = Executors.newCachedThreadPool(Threads.daemonPool("raftkv-client-callback"));
        this.timer = Executors.newSingleThreadScheduledExecutor(Threads.daemonPool("raftkv-client-timer"));
        this.kv = new KvClient(rpc);
        this.watch = new WatchClient(rpc, callbacks);
        this.lease = new LeaseClient(rpc, timer, callbacks);
        this.cluster = new ClusterClient(rpc);
        this.maintenance = new MaintenanceClient(rpc);
        this.auth = new AuthClient(rpc);
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

    /** Users, roles and permissions, and turning authentication on and off. */
    public AuthClient auth() {
        return auth;
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

    /**
     * Builds a client: the endpoints, a timeout for each call (with its retries), a connect timeout; for
     * {@code https://} endpoints the TLS settings; for a cluster with authentication enabled, the user.
     */
    public static final class Builder {
        private final List<URI> endpoints = new ArrayList<>();
        private Duration timeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(2);
        private TlsSettings tls = TlsSettings.DEFAULT;
        private String user;
        private String password;

        public Builder endpoints(String... urls) {
            return endpoints(List.of(urls));
        }

        public Builder endpoints(List<String> urls) {
            for (String u : urls) {
                for (String one : u.split(",")) {
                    if (!one.isBlank()) {
                        URI uri = URI.create(one.trim());
                        if (uri.getHost() == null || uri.getPort() < 0
                                || !"http".equalsIgnoreCase(uri.getScheme())
                                && !"https".equalsIgnoreCase(uri.getScheme())) {
                            throw new IllegalArgumentException("endpoint " + one
                                    + " is not http://host:port or https://host:port");
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

        /** Trusts the CA certificates of a PEM bundle (instead of the JDK's) for {@code https://} endpoints. */
        public Builder caCert(Path pemBundle) {
            tls = new TlsSettings(pemBundle, tls.trustStore(), tls.certChain(), tls.privateKey(), tls.keyStore(),
                    tls.verifyHostname(), tls.trustAnyServer());
            return this;
        }

        /** Trusts the certificates of a JKS or PKCS#12 trust store (instead of the JDK's CAs). */
        public Builder trustStore(Path store, char[] password) {
            tls = new TlsSettings(tls.caBundle(), new TlsSettings.Store(store, password.clone()), tls.certChain(),
                    tls.privateKey(), tls.keyStore(), tls.verifyHostname(), tls.trustAnyServer());
            return this;
        }

        /** Identifies the client (mutual TLS) with a PEM certificate chain and its unencrypted PKCS#8 PEM key. */
        public Builder clientCert(Path pemCertChain, Path pemPrivateKey) {
            tls = new TlsSettings(tls.caBundle(), tls.trustStore(), pemCertChain, pemPrivateKey, tls.keyStore(),
                    tls.verifyHostname(), tls.trustAnyServer());
            return this;
        }

        /** Identifies the client (mutual TLS) with the key of a JKS or PKCS#12 key store (key password: the store's). */
        public Builder keyStore(Path store, char[] password) {
            tls = new TlsSettings(tls.caBundle(), tls.trustStore(), tls.certChain(), tls.privateKey(),
                    new TlsSettings.Store(store, password.clone()), tls.verifyHostname(), tls.trustAnyServer());
            return this;
        }

        /**
         * Whether a server's certificate must name the host of the endpoint dialled (on by default). Turn it off
         * only for certificates that lack the names clients use (an IP address, say): any certificate from a
         * trusted CA is then taken for any endpoint.
         */
        public Builder hostnameVerification(boolean verify) {
            tls = new TlsSettings(tls.caBundle(), tls.trustStore(), tls.certChain(), tls.privateKey(), tls.keyStore(),
                    verify, tls.trustAnyServer());
            return this;
        }

        /** Accepts any server certificate, unverified (etcdctl's --insecure-skip-tls-verify): for testing only. */
        public Builder insecureSkipTlsVerify() {
            tls = new TlsSettings(tls.caBundle(), tls.trustStore(), tls.certChain(), tls.privateKey(), tls.keyStore(),
                    tls.verifyHostname(), true);
            return this;
        }

        /**
         * Authenticates as {@code name} on first use and attaches the token to every request; a token the cluster
         * refuses (expired, or outdated by a change of permissions) is renewed and the request sent once more.
         * Neither the password nor the token is ever logged.
         */
        public Builder user(String name, String password) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("user name is empty");
            }
            this.user = name;
            this.password = password == null ? "" : password;
            return this;
        }

        public RaftKv build() {
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException("no endpoints: give at least one, e.g. http://127.0.0.1:2379");
            }
            boolean https = endpoints.stream().anyMatch(u -> "https".equalsIgnoreCase(u.getScheme()));
            if (!tls.isDefault()) {
                // TLS settings with a plain endpoint would be a silent downgrade.
                endpoints.stream().filter(u -> !"https".equalsIgnoreCase(u.getScheme())).findFirst().ifPresent(u -> {
                    throw new IllegalArgumentException("TLS settings were given but endpoint " + u
                            + " is not https://");
                });
            }
            return new RaftKv(this, https ? tls.sslContext() : null);
        }
    }
}
