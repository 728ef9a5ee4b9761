package raftkv.benchmark.driver;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import javax.net.ssl.SSLException;

/**
 * A cluster through etcd's gRPC API with jetcd, the way Java teams use etcd today: etcd runs at its best rather than
 * through its slower JSON gateway, and raftkv, which serves the same API, is driven by the very same client code, so
 * that a ratio measures the servers and not two client stacks. {@code connections} clients, used in turn, each
 * with its own connections and, as a user, its own token.
 */
public final class JetcdDriver implements Driver {

    private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();
    private final List<Client> clients = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    private final String name;

    /** {@code name}: the system's name in the results ("raftkv" or "etcd"). */
    public JetcdDriver(String name, List<String> endpoints, int connections, Security security) {
        this.name = name;
        for (int i = 0; i < connections; i++) {
            clients.add(client(endpoints, security));
        }
    }

    /**
     * A jetcd client of {@code endpoints} as {@code security} says. With a user, jetcd authenticates on the first
     * call and sends the token with every call after it; when a member refuses the token (expired, or auth turned
     * off and on again), jetcd authenticates again and retries the call. Over https, jetcd's builder starts from
     * grpc-netty's {@code GrpcSslContexts.forClient()} and this adds the CA and the client certificate.
     */
    public static Client client(List<String> endpoints, Security security) {
        ClientBuilder b = Client.builder().endpoints(endpoints.toArray(String[]::new));
        if (security.hasUser()) {
            b.user(bytes(security.user())).password(bytes(security.password()));
        }
        if (security.tls(endpoints)) {
            try {
                b.sslContext(ssl -> {
                    if (security.caCert() != null) {
                        ssl.trustManager(security.caCert().toFile());
                    }
                    if (security.cert() != null) {
                        ssl.keyManager(security.cert().toFile(), security.key().toFile());
                    }
                });
            } catch (SSLException e) {
                throw new UncheckedIOException("TLS settings for " + endpoints + ": " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    /**
     * One read through every client at once, before a load: each client connects (jetcd does so on its first call,
     * which a load would make from another client's I/O thread) and, as a user, gets a token. jetcd authenticates
     * for each call made while its client holds no token (none yet, or one a member refused), so the first 256
     * calls of a load would send 256 Authenticates at once, more than raftkv's password-check queue holds (64
     * deep), and the rest would fail with "too many requests"; this sends one per client.
     */
    public void connect() throws Exception {
        CompletableFuture.allOf(clients.stream().map(c -> c.getKVClient().get(bytes("connect"), SERIALIZABLE))
                .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private Client client() {
        return clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletableFuture<?> put(byte[] key, byte[] value) {
        return client().getKVClient().put(ByteSequence.from(key), ByteSequence.from(value));
    }

    @Override
    public CompletableFuture<?> get(byte[] key, boolean serializable) {
        return serializable ? client().getKVClient().get(ByteSequence.from(key), SERIALIZABLE)
                : client().getKVClient().get(ByteSequence.from(key));
    }

    @Override
    public CompletableFuture<?> txnPut(byte[] key, byte[] value) {
        ByteSequence k = ByteSequence.from(key);
        return client().getKVClient().txn().If(new Cmp(k, Cmp.Op.GREATER, CmpTarget.version(-1)))
                .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT)).commit();
    }

    @Override
    public CompletableFuture<Long> grant(long ttlSeconds) {
        return client().getLeaseClient().grant(ttlSeconds).thenApply(r -> r.getID());
    }

    @Override
    public CompletableFuture<?> keepAliveOnce(long id) {
        return client().getLeaseClient().keepAliveOnce(id);
    }

    @Override
    public AutoCloseable watch(byte[] key, LongConsumer onValue) {
        return client().getWatchClient().watch(ByteSequence.from(key), response -> {
            for (WatchEvent e : response.getEvents()) {
                if (e.getEventType() == WatchEvent.EventType.PUT) {
                    onValue.accept(Long.parseLong(e.getKeyValue().getValue().toString(StandardCharsets.UTF_8)));
                }
            }
        });
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
    }
}
