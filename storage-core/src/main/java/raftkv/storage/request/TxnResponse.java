package raftkv.storage.request;

import java.util.List;

/** Which branch ran, and one response per operation of that branch. */
public record TxnResponse(long revision, boolean succeeded, List<ResponseOp> responses) implements ResponseOp {
}
