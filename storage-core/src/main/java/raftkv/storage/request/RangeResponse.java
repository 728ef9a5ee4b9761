package raftkv.storage.request;

import java.util.List;
import raftkv.storage.KeyValue;

/** The keys a range found; {@code count} is how many matched before any limit, {@code more} whether the limit cut. */
public record RangeResponse(long revision, List<KeyValue> kvs, boolean more, long count) implements ResponseOp {
}
