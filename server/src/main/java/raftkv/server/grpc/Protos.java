package raftkv.server.grpc;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.ResponseHeader;
import java.util.ArrayList;
import java.util.List;
import raftkv.server.Node;
import raftkv.server.ops.ApiError;
import raftkv.storage.Event;
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

/**
 * Converts between etcd's protobuf messages and the store's request and response records, as {@code WireMapping}
 * does for the JSON API. An enum value or a oneof this version does not know is refused with a message naming the
 * field, never guessed.
 */
public final class Protos {

    private static final Compare.Target[] TARGETS = Compare.Target.values(); // VERSION CREATE MOD VALUE LEASE
    private static final Compare.Result[] RESULTS = Compare.Result.values(); // EQUAL GREATER LESS NOT_EQUAL
    private static final RangeRequest.SortOrder[] ORDERS = RangeRequest.SortOrder.values();
    private static final RangeRequest.SortTarget[] SORT_TARGETS = RangeRequest.SortTarget.values();

    private Protos() {
    }

    /** The response header: cluster, member, the given store revision and the current term. */
    public static ResponseHeader header(Node node, long revision) {
        var h = node.header(revision);
        return ResponseHeader.newBuilder().setClusterId(h.clusterId()).setMemberId(h.memberId())
                .setRevision(h.revision()).setRaftTerm(h.raftTerm()).build();
    }

    private static byte[] bytes(ByteString b) {
        return b.toByteArray();
    }

    private static byte[] orNull(ByteString b) {
        return b.isEmpty() ? null : b.toByteArray();
    }

    static ApiError.ApiException invalid(String field, String why) {
        return new ApiError.ApiException(ApiError.badRequest("field \"" + field + "\": " + why));
    }

    private static <E> E pick(E[] values, int n, String field) {
        if (n < 0 || n >= values.length) {
            throw invalid(field, "unknown value " + n);
        }
        return values[n];
    }

    // ------------------------------------------------------------------------------------------------- requests

    public static RangeRequest range(io.etcd.jetcd.api.RangeRequest r) {
        return new RangeRequest(bytes(r.getKey()), orNull(r.getRangeEnd()), r.getLimit(), r.getRevision(),
                pick(ORDERS, r.getSortOrderValue(), "sort_order"),
                pick(SORT_TARGETS, r.getSortTargetValue(), "sort_target"), r.getSerializable(), r.getKeysOnly(),
                r.getCountOnly(), r.getMinModRevision(), r.getMaxModRevision(), r.getMinCreateRevision(),
                r.getMaxCreateRevision());
    }

    public static PutRequest put(io.etcd.jetcd.api.PutRequest p) {
        return new PutRequest(bytes(p.getKey()), bytes(p.getValue()), p.getLease(), p.getPrevKv(),
                p.getIgnoreValue(), p.getIgnoreLease());
    }

    public static DeleteRangeRequest deleteRange(io.etcd.jetcd.api.DeleteRangeRequest d) {
        return new DeleteRangeRequest(bytes(d.getKey()), orNull(d.getRangeEnd()), d.getPrevKv());
    }

    public static TxnRequest txn(io.etcd.jetcd.api.TxnRequest t) {
        return txn(t, "");
    }

    private static TxnRequest txn(io.etcd.jetcd.api.TxnRequest t, String at) {
        List<Compare> compares = new ArrayList<>(t.getCompareCount());
        for (int i = 0; i < t.getCompareCount(); i++) {
            compares.add(compare(t.getCompare(i), at + "compare[" + i + "]"));
        }
        return new TxnRequest(compares, ops(t.getSuccessList(), at + "success"),
                ops(t.getFailureList(), at + "failure"));
    }

    private static Compare compare(io.etcd.jetcd.api.Compare c, String at) {
        Compare.Target target = pick(TARGETS, c.getTargetValue(), at + ".target");
        Compare.Result result = pick(RESULTS, c.getResultValue(), at + ".result");
        long number = switch (target) {
            case VERSION -> c.getVersion();
            case CREATE -> c.getCreateRevision();
            case MOD -> c.getModRevision();
            case LEASE -> EtcdWire.compareLease(c);
            case VALUE -> 0;
        };
        return new Compare(target, result, bytes(c.getKey()), orNull(c.getRangeEnd()), number,
                target == Compare.Target.VALUE ? bytes(c.getValue()) : null);
    }

    private static List<RequestOp> ops(List<io.etcd.jetcd.api.RequestOp> ops, String at) {
        List<RequestOp> out = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            io.etcd.jetcd.api.RequestOp op = ops.get(i);
            String here = at + "[" + i + "]";
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> out.add(range(op.getRequestRange()));
                case REQUEST_PUT -> out.add(put(op.getRequestPut()));
                case REQUEST_DELETE_RANGE -> out.add(deleteRange(op.getRequestDeleteRange()));
                case REQUEST_TXN -> out.add(txn(op.getRequestTxn(), here + ".request_txn."));
                default -> throw invalid(here, "exactly one of request_range, request_put, request_delete_range, "
                        + "request_txn must be set");
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ responses

    public static io.etcd.jetcd.api.KeyValue kv(KeyValue kv) {
        var b = io.etcd.jetcd.api.KeyValue.newBuilder().setKey(ByteString.copyFrom(kv.key()))
                .setCreateRevision(kv.createRevision()).setModRevision(kv.modRevision()).setVersion(kv.version())
                .setLease(kv.lease());
        if (kv.value() != null) {
            b.setValue(ByteString.copyFrom(kv.value()));
        }
        return b.build();
    }

    public static io.etcd.jetcd.api.Event event(Event e) {
        var b = io.etcd.jetcd.api.Event.newBuilder().setType(e.type() == Event.Type.PUT
                ? io.etcd.jetcd.api.Event.EventType.PUT : io.etcd.jetcd.api.Event.EventType.DELETE).setKv(kv(e.kv()));
        if (e.prevKv() != null) {
            b.setPrevKv(kv(e.prevKv()));
        }
        return b.build();
    }

    public static io.etcd.jetcd.api.RangeResponse range(ResponseHeader header, RangeResponse r) {
        var b = io.etcd.jetcd.api.RangeResponse.newBuilder().setMore(r.more()).setCount(r.count());
        for (KeyValue kv : r.kvs()) {
            b.addKvs(kv(kv));
        }
        if (header != null) {
            b.setHeader(header);
        }
        return b.build();
    }

    public static io.etcd.jetcd.api.PutResponse put(ResponseHeader header, PutResponse r) {
        var b = io.etcd.jetcd.api.PutResponse.newBuilder();
        if (r.prevKv() != null) {
            b.setPrevKv(kv(r.prevKv()));
        }
        if (header != null) {
            b.setHeader(header);
        }
        return b.build();
    }

    public static io.etcd.jetcd.api.DeleteRangeResponse deleteRange(ResponseHeader header, DeleteRangeResponse r) {
        var b = io.etcd.jetcd.api.DeleteRangeResponse.newBuilder().setDeleted(r.deleted());
        for (KeyValue kv : r.prevKvs()) {
            b.addPrevKvs(kv(kv));
        }
        if (header != null) {
            b.setHeader(header);
        }
        return b.build();
    }

    /** A txn response; each response inside it carries a header of the txn's revision alone, as etcd's do. */
    public static io.etcd.jetcd.api.TxnResponse txn(ResponseHeader header, TxnResponse r) {
        var b = io.etcd.jetcd.api.TxnResponse.newBuilder().setSucceeded(r.succeeded());
        ResponseHeader inner = ResponseHeader.newBuilder().setRevision(header != null ? header.getRevision()
                : r.revision()).build();
        for (ResponseOp op : r.responses()) {
            var o = io.etcd.jetcd.api.ResponseOp.newBuilder();
            if (op instanceof RangeResponse rr) {
                o.setResponseRange(range(inner, rr));
            } else if (op instanceof PutResponse pr) {
                o.setResponsePut(put(inner, pr));
            } else if (op instanceof DeleteRangeResponse dr) {
                o.setResponseDeleteRange(deleteRange(inner, dr));
            } else {
                o.setResponseTxn(txn(inner, (TxnResponse) op));
            }
            b.addResponses(o);
        }
        if (header != null) {
            b.setHeader(header);
        }
        return b.build();
    }
}
