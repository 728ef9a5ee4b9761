package raftkv.storage.request;

/** The result of one {@link RequestOp}; {@code revision} is the store's revision after the whole request. */
public sealed interface ResponseOp permits RangeResponse, PutResponse, DeleteRangeResponse, TxnResponse {

    long revision();
}
