package raftkv.benchmark.driver;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * What a workload asks of a store, so one workload runs unchanged against raftkv (through its client library) and
 * against etcd (through its native gRPC API). Thread-safe; every call is asynchronous.
 */
public interface Driver extends AutoCloseable {

    /** A short name for reports: {@code raftkv} or {@code etcd}. */
    String name();

    CompletableFuture<?> put(byte[] key, byte[] value);

    /** A linearizable read, or a local one when {@code serializable}. */
    CompletableFuture<?> get(byte[] key, boolean serializable);

    /** A txn that puts {@code value} if the key's version is at least 0 (always true): the txn path, not a CAS race. */
    CompletableFuture<?> txnPut(byte[] key, byte[] value);

    /** Grants a lease of {@code ttlSeconds}; its id. */
    CompletableFuture<Long> grant(long ttlSeconds);

    /** One keepalive of lease {@code id}. */
    CompletableFuture<?> keepAliveOnce(long id);

    /**
     * Watches {@code key} from now; {@code onValue} gets the value of each put to it, parsed as a long (the bench
     * writes its send time there). Returns a handle that cancels the watch.
     */
    AutoCloseable watch(byte[] key, LongConsumer onValue);

    @Override
    void close();
}
