package raftkv.storage.index;

import raftkv.storage.Revision;

/**
 * What the index knows of a key at some revision: the (packed) revision of the version visible there, the revision
 * that created its generation, and its version number. The value itself lives in the backend under
 * {@code modified}.
 */
public record IndexEntry(byte[] key, long modified, long created, long version) {

    public long modMain() {
        return Revision.mainOf(modified);
    }

    public long createMain() {
        return Revision.mainOf(created);
    }
}
