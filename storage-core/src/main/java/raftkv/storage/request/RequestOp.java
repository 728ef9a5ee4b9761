package raftkv.storage.request;

/** One operation of a txn's success or failure list, and the unit a client asks the store to run. */
public sealed interface RequestOp permits RangeRequest, PutRequest, DeleteRangeRequest, TxnRequest {

    /** True when running this operation may change the store. */
    boolean writes();
}
