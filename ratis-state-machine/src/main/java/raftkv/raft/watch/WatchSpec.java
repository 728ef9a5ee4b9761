package raftkv.raft.watch;

import raftkv.storage.KeyRange;

/**
 * What a watch asks for: a key or range, from a revision ({@code 0}: from now), with or without the previous
 * version of each key, without puts or deletes, and with periodic progress notifications.
 */
public record WatchSpec(KeyRange range, long startRevision, boolean prevKv, boolean noPut, boolean noDelete,
                        boolean progressNotify) {
}
