package raftkv.storage;

/**
 * A hash of the key-value state at {@code revision}, as etcd's {@code HashKV}: members that applied the same log
 * give the same hash whatever their progress in physically removing compacted history.
 */
public record KvHash(long hash, long revision, long compactRevision) {
}
