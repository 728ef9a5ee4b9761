package raftkv.storage.request;

import raftkv.storage.KeyValue;

/** {@code prevKv} is the replaced version when the request asked for it and the key existed, otherwise null. */
public record PutResponse(long revision, KeyValue prevKv) implements ResponseOp {
}
