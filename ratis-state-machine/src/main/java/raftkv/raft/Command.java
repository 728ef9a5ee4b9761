package raftkv.raft;

import raftkv.storage.auth.AuthCommand;
import raftkv.storage.request.RequestOp;

/** What one client request asks the replicated state machine to do; every member applies it identically. */
public sealed interface Command permits Command.Kv, Command.Compact, Command.LeaseGrant, Command.LeaseRevoke,
        Command.LeaseExpire, Command.Alarm, Command.Auth, Command.AsUser {

    /** The command itself, without the user it is proposed for. */
    default Command unwrapped() {
        return this;
    }

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

    /** Change users, roles or permissions, or turn authentication on or off. */
    record Auth(AuthCommand change) implements Command {
    }

    /**
     * A client's command, checked on the member that received it against the auth state of revision
     * {@code authRevision} on behalf of {@code user}. If the auth state has changed since, the apply checks it again
     * against the state it has: the permission that let it through may be gone.
     */
    record AsUser(String user, long authRevision, Command command) implements Command {
        public AsUser {
            if (command instanceof AsUser) {
                throw new IllegalArgumentException("a command is proposed on behalf of one user");
            }
        }

        @Override
        public Command unwrapped() {
            return command;
        }
    }
}
