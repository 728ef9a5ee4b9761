package raftkv.benchmark.driver;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * A cluster through etcd's gRPC API with jetcd, the way Java teams use etcd today: etcd runs at its best rather than
 * through its slower JSON gateway, and raftkv, which serves the same API, is driven by the very same client code, so
 * that a ratio measures the servers and not two client stacks. {@code connections} clients, used in turn.
 */
public final class JetcdDriver implements Driver {

    private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();
    private final List<Client> clients = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    private final String name;

    /** {@code name}: the system's name in the results ("raftkv" or "etcd"). */
    public JetcdDriver(String name, List<String> endpoints, int connections) {
        this.name = name;
        for (int i = 0; i < connections; i++) {
            clients.add(Client.builder().endpoints(endpoints.toArray(String[]::new)).build());
        }
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
