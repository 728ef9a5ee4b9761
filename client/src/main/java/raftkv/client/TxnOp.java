package raftkv.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** An operation in a txn branch: a get, a put, a delete, or a nested txn. */
public final class TxnOp {

    private final ObjectNode json;
    private final boolean write;

    private TxnOp(ObjectNode json, boolean write) {
        this.json = json;
        this.write = write;
    }

    public static TxnOp get(String key, GetOptions options) {
        return new TxnOp(Rpc.object().set("request_range", options.toJson(Wire.utf8(key))), false);
    }

    public static TxnOp put(String key, String value, PutOptions options) {
        return new TxnOp(Rpc.object().set("request_put", options.toJson(Wire.utf8(key), Wire.utf8(value))), true);
    }

    public static TxnOp put(byte[] key, byte[] value, PutOptions options) {
        return new TxnOp(Rpc.object().set("request_put", options.toJson(key, value)), true);
    }

    public static TxnOp delete(String key, DeleteOptions options) {
        return new TxnOp(Rpc.object().set("request_delete_range", options.toJson(Wire.utf8(key))), true);
    }

    public static TxnOp txn(Txn nested) {
        return new TxnOp(Rpc.object().set("request_txn", nested.toJson()), nested.writes());
    }

    ObjectNode toJson() {
        return json;
    }

    boolean write() {
        return write;
    }
}
