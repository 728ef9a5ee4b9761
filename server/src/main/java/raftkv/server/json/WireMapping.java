package raftkv.server.json;

import java.util.ArrayList;
import java.util.List;
import raftkv.storage.KeyValue;
import raftkv.storage.request.Compare;
import raftkv.storage.request.DeleteRangeRequest;
import raftkv.storage.request.DeleteRangeResponse;
import raftkv.storage.request.PutRequest;
import raftkv.storage.request.PutResponse;
import raftkv.storage.request.RangeRequest;
import raftkv.storage.request.RangeResponse;
import raftkv.storage.request.RequestOp;
import raftkv.storage.request.ResponseOp;
import raftkv.storage.request.TxnRequest;
import raftkv.storage.request.TxnResponse;

/** Converts between the JSON wire records and the store's request and response records. */
public final class WireMapping {

    private WireMapping() {
    }

    private static long n(Long v) {
        return v == null ? 0 : v;
    }

    private static boolean t(Boolean v) {
        return v != null && v;
    }

    public static RangeRequest range(RequestJson.Range r) {
        return new RangeRequest(r.key(), r.rangeEnd(), n(r.limit()), n(r.revision()), r.sortOrder(), r.sortTarget(),
                t(r.serializable()), t(r.keysOnly()), t(r.countOnly()), n(r.minModRevision()), n(r.maxModRevision()),
                n(r.minCreateRevision()), n(r.maxCreateRevision()));
    }

    public static PutRequest put(RequestJson.Put p) {
        return new PutRequest(p.key(), p.value(), n(p.lease()), t(p.prevKv()), t(p.ignoreValue()),
                t(p.ignoreLease()));
    }

    public static DeleteRangeRequest deleteRange(RequestJson.DeleteRange d) {
        return new DeleteRangeRequest(d.key(), d.rangeEnd(), t(d.prevKv()));
    }

    public static TxnRequest txn(RequestJson.Txn t) throws Json.BadRequest {
        return txn(t, "");
    }

    private static TxnRequest txn(RequestJson.Txn t, String at) throws Json.BadRequest {
        List<Compare> compares = new ArrayList<>();
        if (t.compare() != null) {
            for (int i = 0; i < t.compare().size(); i++) {
                compares.add(compare(t.compare().get(i), at + "compare[" + i + "]"));
            }
        }
        return new TxnRequest(compares, ops(t.success(), at + "success"), ops(t.failure(), at + "failure"));
    }

    private static Compare compare(RequestJson.CompareJson c, String at) throws Json.BadRequest {
        if (c == null) {
            throw new Json.BadRequest("field \"" + at + "\": is null");
        }
        Compare.Target target = c.target() == null ? Compare.Target.VERSION : c.target();
        Compare.Result result = c.result() == null ? Compare.Result.EQUAL : c.result();
        long number = switch (target) {
            case VERSION -> n(c.version());
            case CREATE -> n(c.createRevision());
            case MOD -> n(c.modRevision());
            case LEASE -> n(c.lease());
            case VALUE -> 0;
        };
        return new Compare(target, result, c.key(), c.rangeEnd(), number, c.value());
    }

    private static List<RequestOp> ops(List<RequestJson.Op> ops, String at) throws Json.BadRequest {
        List<RequestOp> out = new ArrayList<>();
        if (ops == null) {
            return out;
        }
        for (int i = 0; i < ops.size(); i++) {
            RequestJson.Op op = ops.get(i);
            String here = at + "[" + i + "]";
            int set = op == null ? 0 : (op.requestRange() != null ? 1 : 0) + (op.requestPut() != null ? 1 : 0)
                    + (op.requestDeleteRange() != null ? 1 : 0) + (op.requestTxn() != null ? 1 : 0);
            if (set != 1) {
                throw new Json.BadRequest("field \"" + here + "\": exactly one of request_range, request_put, "
                        + "request_delete_range, request_txn must be set");
            }
            if (op.requestRange() != null) {
                out.add(range(op.requestRange()));
            } else if (op.requestPut() != null) {
                out.add(put(op.requestPut()));
            } else if (op.requestDeleteRange() != null) {
                out.add(deleteRange(op.requestDeleteRange()));
            } else {
                out.add(txn(op.requestTxn(), here + ".request_txn."));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ responses

    public static ResponseJson.KeyValue kv(KeyValue kv) {
        return kv == null ? null : new ResponseJson.KeyValue(kv.key(), kv.createRevision(), kv.modRevision(),
                kv.version(), kv.value(), kv.lease());
    }

    private static List<ResponseJson.KeyValue> kvs(List<KeyValue> kvs) {
        List<ResponseJson.KeyValue> out = new ArrayList<>(kvs.size());
        for (KeyValue kv : kvs) {
            out.add(kv(kv));
        }
        return out;
    }

    public static ResponseJson.Range range(ResponseJson.Header h, RangeResponse r) {
        return new ResponseJson.Range(h, kvs(r.kvs()), r.more(), r.count());
    }

    public static ResponseJson.Put put(ResponseJson.Header h, PutResponse r) {
        return new ResponseJson.Put(h, kv(r.prevKv()));
    }

    public static ResponseJson.DeleteRange deleteRange(ResponseJson.Header h, DeleteRangeResponse r) {
        return new ResponseJson.DeleteRange(h, r.deleted(), kvs(r.prevKvs()));
    }

    /** A txn response; nested responses carry no header of their own. */
    public static ResponseJson.Txn txn(ResponseJson.Header h, TxnResponse r) {
        List<ResponseJson.Op> ops = new ArrayList<>(r.responses().size());
        for (ResponseOp op : r.responses()) {
            if (op instanceof RangeResponse rr) {
                ops.add(new ResponseJson.Op(range(null, rr), null, null, null));
            } else if (op instanceof PutResponse pr) {
                ops.add(new ResponseJson.Op(null, put(null, pr), null, null));
            } else if (op instanceof DeleteRangeResponse dr) {
                ops.add(new ResponseJson.Op(null, null, deleteRange(null, dr), null));
            } else {
                ops.add(new ResponseJson.Op(null, null, null, txn(null, (TxnResponse) op)));
            }
        }
        return new ResponseJson.Txn(h, r.succeeded(), ops);
    }
}
