package raftkv.raft;

import raftkv.storage.request.RequestOp;

/** What one client request asks the replicated state machine to do; every member applies it identically. */
public sealed interface Command permits Command.Kv, Command.Compact {

    /** A key-value request: put, delete range or txn (reads never go through the log). */
    record Kv(RequestOp op) implements Command {
    }

    /** Compact history at {@code revision}. */
    record Compact(long revision) implements Command {
    }
}
