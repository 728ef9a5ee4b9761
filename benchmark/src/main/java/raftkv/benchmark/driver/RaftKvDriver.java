package raftkv.benchmark.driver;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import raftkv.client.Cmp;
import raftkv.client.GetOptions;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.TxnOp;
import raftkv.client.WatchEvent;
import raftkv.client.WatchOptions;

/**
 * raftkv through its own client library; {@code connections} client instances, used in turn. With a user, each
 * instance authenticates on first use and renews its token itself.
 */
public final class RaftKvDriver implements Driver {

    private final List<RaftKv> clients = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    public RaftKvDriver(List<String> endpoints, int connections, Security security) {
        for (int i = 0; i < connections; i++) {
            // Each instance prefers a different endpoint, as separate application processes would.
            List<String> mine = new ArrayList<>(endpoints);
            java.util.Collections.rotate(mine, -(i % endpoints.size()));
            clients.add(client(mine, security));
        }
    }

    /** A client of {@code endpoints} (the first preferred) as {@code security} says. */
    public static RaftKv client(List<String> endpoints, Security security) {
        RaftKv.Builder b = RaftKv.builder().endpoints(endpoints).timeout(Duration.ofSeconds(30));
        if (security.caCert() != null) {
            b.caCert(security.caCert());
        }
        if (security.cert() != null) {
            b.clientCert(security.cert(), security.key());
        }
        if (security.hasUser()) {
            b.user(security.user(), security.password());
        }
        return b.build();
    }

    private RaftKv client() {
        return clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
    }

    @Override
    public String name() {
        return "raftkv-http";
    }

    @Override
    public CompletableFuture<?> put(byte[] key, byte[] value) {
        return client().kv().put(key, value, PutOptions.DEFAULT);
    }

    @Override
    public CompletableFuture<?> get(byte[] key, boolean serializable) {
        GetOptions o = serializable ? GetOptions.DEFAULT.withSerializable() : GetOptions.DEFAULT;
        return client().kv().get(key, o);
    }

    @Override
    public CompletableFuture<?> txnPut(byte[] key, byte[] value) {
        String k = new String(key, StandardCharsets.UTF_8);
        return client().kv().txn().when(Cmp.version(k, Cmp.Op.GREATER, -1))
                .then(TxnOp.put(key, value, PutOptions.DEFAULT)).commit();
    }

    @Override
    public CompletableFuture<Long> grant(long ttlSeconds) {
        return client().lease().grant(ttlSeconds).thenApply(g -> g.id());
    }

    @Override
    public CompletableFuture<?> keepAliveOnce(long id) {
        return client().lease().keepAliveOnce(id);
    }

    @Override
    public AutoCloseable watch(byte[] key, LongConsumer onValue) {
        return client().watch().watch(key, WatchOptions.DEFAULT, (events, rev) -> {
            for (WatchEvent e : events) {
                if (e.type() == WatchEvent.Type.PUT) {
                    onValue.accept(Long.parseLong(e.kv().valueString()));
                }
            }
        });
    }

    @Override
    public void close() {
        clients.forEach(RaftKv::close);
    }
}
