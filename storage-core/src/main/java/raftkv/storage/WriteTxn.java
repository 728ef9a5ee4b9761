package raftkv.storage;

import java.util.List;

/**
 * An exclusive write transaction. Everything it writes lands at one main revision ({@link #revision()} once the
 * first write is made), with sub-revisions numbering the changes. Reads through it see its own writes. Closing it
 * publishes the new revision.
 */
public interface WriteTxn extends ReadTxn {

    /** Writes {@code key} (lease 0: none) and returns the revision it was written at. */
    long put(byte[] key, byte[] value, long lease);

    /** Deletes every live key of {@code range}; returns how many. */
    long deleteRange(KeyRange range);

    /** What this transaction changed so far, in order: puts, and deletes as {@link KeyValue#tombstone}s. */
    List<KeyValue> changes();
}
