package raftkv.benchmark;

/** The kinds of load the benchmark drives, in the manner of etcd's {@code benchmark} tool. */
public enum Workload {
    /** Puts of {@code valueSize}-byte values to keys from the key space. */
    PUT,
    /** Gets of keys from a key space written first; linearizable unless {@code serializable}. */
    RANGE,
    /** A txn with an always-true compare and a put: the txn path. */
    TXN_PUT,
    /** Gets and puts on a key space written first, {@code readPercent} of them gets. */
    MIXED,
    /** One keepalive at a time per slot, over {@code leases} leases granted first. */
    LEASE_KEEPALIVE,
    /** {@code watchers} watches on as many keys, puts at {@code rate} per second to them, event latency. */
    WATCH
}
