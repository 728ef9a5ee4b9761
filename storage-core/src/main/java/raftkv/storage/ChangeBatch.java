package raftkv.storage;

import java.util.List;

/**
 * A run of history: the events found, in revision order, and the revision to continue from. Every event of a
 * revision is in the same batch.
 */
public record ChangeBatch(List<Event> events, long nextRevision) {
}
