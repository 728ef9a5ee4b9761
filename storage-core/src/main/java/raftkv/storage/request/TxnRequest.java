package raftkv.storage.request;

import java.util.List;

/**
 * If every compare holds, run {@code success}, else {@code failure}; atomically, at one revision. Operations may be
 * nested txns. A txn may not write the same key twice.
 */
public record TxnRequest(List<Compare> compare, List<RequestOp> success, List<RequestOp> failure)
        implements RequestOp {

    public TxnRequest {
        compare = compare == null ? List.of() : List.copyOf(compare);
        success = success == null ? List.of() : List.copyOf(success);
        failure = failure == null ? List.of() : List.copyOf(failure);
    }

    @Override
    public boolean writes() {
        return success.stream().anyMatch(RequestOp::writes) || failure.stream().anyMatch(RequestOp::writes);
    }

    /** Whether a branch puts, at any depth: what adds data, and is refused while space is exhausted (etcd's). */
    public boolean puts() {
        return puts(success) || puts(failure);
    }

    private static boolean puts(List<RequestOp> ops) {
        for (RequestOp op : ops) {
            if (op instanceof PutRequest || (op instanceof TxnRequest t && t.puts())) {
                return true;
            }
        }
        return false;
    }
}
