package raftkv.client;

import java.util.concurrent.CompletableFuture;

/**
 * Keys and values: get, put, delete, txn, compact. Every call is asynchronous; reads are retried on other
 * endpoints until the client's timeout, writes only when they provably never reached a node (see
 * {@link RaftKvException.OutcomeUnknown}).
 */
public final class KvClient {

    private final Rpc rpc;

    KvClient(Rpc rpc) {
        this.rpc = rpc;
    }

    public CompletableFuture<Responses.Get> get(String key) {
        return get(Wire.utf8(key), GetOptions.DEFAULT);
    }

    public CompletableFuture<Responses.Get> get(String key, GetOptions options) {
        return get(Wire.utf8(key), options);
    }

    public CompletableFuture<Responses.Get> get(byte[] key, GetOptions options) {
        return rpc.call("/v3/kv/range", options.toJson(key), Rpc.Safety.SAFE, Responses.Get::of);
    }

    public CompletableFuture<Responses.Put> put(String key, String value) {
        return put(Wire.utf8(key), Wire.utf8(value), PutOptions.DEFAULT);
    }

    public CompletableFuture<Responses.Put> put(String key, String value, PutOptions options) {
        return put(Wire.utf8(key), Wire.utf8(value), options);
    }

    public CompletableFuture<Responses.Put> put(byte[] key, byte[] value, PutOptions options) {
        return rpc.call("/v3/kv/put", options.toJson(key, value), Rpc.Safety.UNSAFE, Responses.Put::of);
    }

    public CompletableFuture<Responses.Delete> delete(String key) {
        return delete(Wire.utf8(key), DeleteOptions.DEFAULT);
    }

    public CompletableFuture<Responses.Delete> delete(String key, DeleteOptions options) {
        return delete(Wire.utf8(key), options);
    }

    public CompletableFuture<Responses.Delete> delete(byte[] key, DeleteOptions options) {
        return rpc.call("/v3/kv/deleterange", options.toJson(key), Rpc.Safety.UNSAFE, Responses.Delete::of);
    }

    /** A new transaction; {@link Txn#commit()} sends it. */
    public Txn txn() {
        return new Txn(t -> rpc.call("/v3/kv/txn", t.toJson(), t.writes() ? Rpc.Safety.UNSAFE : Rpc.Safety.SAFE,
                Responses.Txn::of));
    }

    /** Discards the history below {@code revision}; completes with the header of the answer. */
    public CompletableFuture<Header> compact(long revision) {
        return rpc.call("/v3/kv/compaction", Rpc.object().put("revision", revision), Rpc.Safety.UNSAFE,
                n -> Header.of(n.path("header")));
    }
}
