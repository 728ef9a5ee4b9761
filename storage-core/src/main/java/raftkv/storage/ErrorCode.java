package raftkv.storage;

/**
 * The stable codes of everything the store refuses. New codes go at the end: members exchange them by ordinal. The server maps each to a gRPC status, an HTTP status and
 * etcd's message in one table; the messages here are etcd's where etcd has one.
 */
public enum ErrorCode {
    COMPACTED("mvcc: required revision has been compacted"),
    FUTURE_REVISION("mvcc: required revision is a future revision"),
    TOO_MANY_OPS("etcdserver: too many operations in txn request"),
    DUPLICATE_KEY("etcdserver: duplicate key given in txn request"),
    EMPTY_KEY("etcdserver: key is not provided"),
    KEY_NOT_FOUND("etcdserver: key not found"),
    VALUE_PROVIDED("etcdserver: value is provided"),
    LEASE_PROVIDED("etcdserver: lease is provided"),
    LEASE_NOT_FOUND("etcdserver: requested lease not found"),
    LEASE_EXISTS("etcdserver: lease already exists"),
    TOO_MANY_KEYS("raftkv: one request may write at most " + Revision.MAX_SUB + " keys"),
    INVALID_ARGUMENT("raftkv: invalid argument"),
    CORRUPT_SNAPSHOT("raftkv: snapshot is corrupt"),
    /** The store was killed in the middle of a commit; see {@link MvccStore#discardTorn}. */
    TORN_STORE("raftkv: the store was stopped in the middle of a commit and must be rebuilt"),
    STORE_CLOSED("raftkv: store is closed"),
    /** A NOSPACE alarm is raised: nothing that adds data is applied until it is cleared. */
    NO_SPACE("etcdserver: mvcc: database space exceeded");

    private final String message;

    ErrorCode(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }
}
