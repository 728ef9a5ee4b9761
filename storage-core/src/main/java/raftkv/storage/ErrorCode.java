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
    NO_SPACE("etcdserver: mvcc: database space exceeded"),
    // Authentication and authorization, with etcd's exact messages (its clients match them).
    AUTH_NOT_ENABLED("etcdserver: authentication is not enabled"),
    AUTH_FAILED("etcdserver: authentication failed, invalid user ID or password"),
    INVALID_AUTH_TOKEN("etcdserver: invalid auth token"),
    /**
     * etcd's answer when the auth state changed between the permission check and the apply. raftkv checks again at
     * apply instead, so it never sends it; kept for clients, which know it, and for the ordinals.
     */
    AUTH_OLD_REVISION("etcdserver: revision of auth store is old"),
    PERMISSION_DENIED("etcdserver: permission denied"),
    USER_EMPTY("etcdserver: user name is empty"),
    USER_ALREADY_EXIST("etcdserver: user name already exists"),
    USER_NOT_FOUND("etcdserver: user name not found"),
    ROLE_EMPTY("etcdserver: role name is empty"),
    ROLE_ALREADY_EXIST("etcdserver: role name already exists"),
    ROLE_NOT_FOUND("etcdserver: role name not found"),
    ROLE_NOT_GRANTED("etcdserver: role is not granted to the user"),
    PERMISSION_NOT_GRANTED("etcdserver: permission is not granted to the role"),
    PERMISSION_NOT_GIVEN("etcdserver: permission not given"),
    ROOT_USER_NOT_EXIST("etcdserver: root user does not exist"),
    ROOT_ROLE_NOT_EXIST("etcdserver: root user does not have root role"),
    INVALID_AUTH_MGMT("etcdserver: invalid auth management");

    private final String message;

    ErrorCode(String message) {
        this.message = message;
    }

    public String message() {
        return message;
    }
}
