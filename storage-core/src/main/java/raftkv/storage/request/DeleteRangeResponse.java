package raftkv.storage.request;

import java.util.List;
import raftkv.storage.KeyValue;

/** How many keys were deleted, and their last versions when the request asked for them (else empty). */
public record DeleteRangeResponse(long revision, long deleted, List<KeyValue> prevKvs) implements ResponseOp {
}
