package raftkv.storage;

/** The Raft term and index of the last log entry whose effects are in the store. */
public record AppliedIndex(long term, long index) {
    public static final AppliedIndex NONE = new AppliedIndex(0, 0);
}
