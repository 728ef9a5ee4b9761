package raftkv.raft;

import raftkv.storage.request.RequestOp;

/** What one client request asks the replicated state machine to do; every member applies it identically. */
public sealed interface Command permits Command.Kv, Command.Compact, Command.LeaseGrant, Command.LeaseRevoke,
        Command.LeaseExpire, Command.Alarm {

    /** A key-value request: put, delete range or txn (reads never go through the log). */
    record Kv(RequestOp op) implements Command {
    }

    /** Compact history at {@code revision}. */
    record Compact(long revision) implements Command {
    }

    /** Grant a lease; the proposer chose the id, so every member grants the same one. */
    record LeaseGrant(long id, long ttlSeconds) implements Command {
    }

    /** Revoke a lease and delete its keys, as a client asked. */
    record LeaseRevoke(long id) implements Command {
    }

    /**
     * Revoke a lease whose time ran out on the clock of the leader of {@code term}. It takes effect only from an
     * entry of that same term: a leader deposed while it was frozen may still decide an expiry on its stale clock
     * after it resumes, while the new leader is keeping the lease alive, and that decision must never apply.
     */
    record LeaseExpire(long id, long term) implements Command {
    }

    /** Raise or clear an alarm of a member (NOSPACE), cluster-wide. */
    record Alarm(int memberId, String alarm, boolean activate) implements Command {
    }
}
