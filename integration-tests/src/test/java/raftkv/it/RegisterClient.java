package raftkv.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.TxnOp;

/**
 * One register-workload client, over either client protocol: raftkv's own client over the JSON API, or jetcd over
 * etcd's gRPC API. Each call waits at most {@link #TIMEOUT_SECONDS}; what it answers carries the revision of the
 * response header, which the checks order reads and writes by.
 */
interface RegisterClient extends AutoCloseable {

    int TIMEOUT_SECONDS = 6;

    /** The protocol the fault suite's clients speak. */
    enum Protocol { HTTP, GRPC }

    record Answer(String value, boolean succeeded, long revision) {
    }

    /** The key's value (null when absent). */
    Answer get(String key) throws Exception;

    Answer put(String key, String value) throws Exception;

    /** Puts {@code value} if the key's value is {@code expected}; {@code succeeded} says whether it did. */
    Answer cas(String key, String expected, String value) throws Exception;

    /** {@code succeeded}: a key was deleted. */
    Answer delete(String key) throws Exception;

    /**
     * Errors the cluster answered with before proposing anything, and calls that provably never left this process.
     * Anything else (a timeout, a lost connection, an unavailable member after sending) may have been applied.
     */
    boolean definitelyNotApplied(Throwable e);

    @Override
    void close();

    static RegisterClient connect(Protocol protocol, List<String> endpoints) {
        return protocol == Protocol.GRPC ? new Grpc(endpoints) : new Http(endpoints);
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
    }

    /** raftkv's own client library, over the JSON API. */
    final class Http implements RegisterClient {
        private final RaftKv kv;

        Http(List<String> endpoints) {
            kv = RaftKv.builder().endpoints(endpoints).timeout(Duration.ofSeconds(4))
                    .connectTimeout(Duration.ofMillis(500)).build();
        }

        @Override
        public Answer get(String key) throws Exception {
            var r = await(kv.kv().get(key));
            return new Answer(r.kvs().isEmpty() ? null : r.kvs().get(0).valueString(), true, r.header().revision());
        }

        @Override
        public Answer put(String key, String value) throws Exception {
            return new Answer(value, true, await(kv.kv().put(key, value)).header().revision());
        }

        @Override
        public Answer cas(String key, String expected, String value) throws Exception {
            var r = await(kv.kv().txn().when(raftkv.client.Cmp.value(key, raftkv.client.Cmp.Op.EQUAL, expected))
                    .then(TxnOp.put(key, value, PutOptions.DEFAULT)).commit());
            return new Answer(value, r.succeeded(), r.header().revision());
        }

        @Override
        public Answer delete(String key) throws Exception {
            var r = await(kv.kv().delete(key));
            return new Answer(null, r.deleted() > 0, r.header().revision());
        }

        @Override
        public boolean definitelyNotApplied(Throwable e) {
            return RegisterWorkload.definitelyNotApplied(e);
        }

        @Override
        public void close() {
            kv.close();
        }
    }

    /**
     * jetcd over etcd's gRPC API, as an etcd user's application would run it, but with jetcd's own retries off: a
     * retried write may apply twice, and the checker must see each call exactly as it went.
     */
    final class Grpc implements RegisterClient {
        private final Client client;

        Grpc(List<String> endpoints) {
            client = Client.builder().endpoints(endpoints.toArray(String[]::new)).retryMaxAttempts(0)
                    .connectTimeout(Duration.ofMillis(500)).build();
        }

        private static ByteSequence b(String s) {
            return ByteSequence.from(s, StandardCharsets.UTF_8);
        }

        @Override
        public Answer get(String key) throws Exception {
            var r = await(client.getKVClient().get(b(key)));
            return new Answer(r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue()
                    .toString(StandardCharsets.UTF_8), true, r.getHeader().getRevision());
        }

        @Override
        public Answer put(String key, String value) throws Exception {
            return new Answer(value, true, await(client.getKVClient().put(b(key), b(value))).getHeader()
                    .getRevision());
        }

        @Override
        public Answer cas(String key, String expected, String value) throws Exception {
            var r = await(client.getKVClient().txn().If(new Cmp(b(key), Cmp.Op.EQUAL, CmpTarget.value(b(expected))))
                    .Then(Op.put(b(key), b(value), PutOption.DEFAULT)).commit());
            return new Answer(value, r.isSucceeded(), r.getHeader().getRevision());
        }

        @Override
        public Answer delete(String key) throws Exception {
            var r = await(client.getKVClient().delete(b(key)));
            return new Answer(null, r.getDeleted() > 0, r.getHeader().getRevision());
        }

        /** Only statuses the server answers before proposing: a refused request (a full store, a bad argument). */
        @Override
        public boolean definitelyNotApplied(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof StatusRuntimeException s) {
                    Status.Code code = s.getStatus().getCode();
                    return code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.INVALID_ARGUMENT;
                }
            }
            return false;
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
