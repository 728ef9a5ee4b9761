package raftkv.storage;

/**
 * One change as a watch sees it. A PUT carries the new version and, when there was one, the version it replaced; a
 * DELETE carries a tombstone (key and delete revision) and the version it removed.
 */
public record Event(Type type, KeyValue kv, KeyValue prevKv) {

    public enum Type { PUT, DELETE }

    public long revision() {
        return kv.modRevision();
    }
}
