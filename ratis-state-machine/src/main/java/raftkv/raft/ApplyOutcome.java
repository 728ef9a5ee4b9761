package raftkv.raft;

import raftkv.storage.StorageException;

/**
 * What applying one proposal came to, as the apply thread computes it and as the leader's reply carries it to a
 * forwarding follower ({@link ResultCodec}). Every case says how its waiting client is answered.
 */
sealed interface ApplyOutcome {

    /** Applied: the client gets the result. */
    record Applied(CommandResult result) implements ApplyOutcome {
    }

    /** Refused by the store (a failed precondition, a compacted revision, no space): the client gets the error. */
    record Refused(StorageException reason) implements ApplyOutcome {
    }

    /**
     * Not applied because this member failed (its disk): the client gets the cause here, and the member stops. Never
     * shipped to another member, whose own apply decides there.
     */
    record Failed(RuntimeException cause) implements ApplyOutcome {
    }

    /**
     * Only in a reply: the leader does not ship this outcome (an alarm change, whose answer lists the proposer's own
     * alarms), so the proposer answers from its own apply.
     */
    record Local() implements ApplyOutcome {
    }

    Local LOCAL = new Local();

    /**
     * Answers proposal {@code seq} of {@code pending} with this outcome; false for {@link Local}, which leaves it
     * waiting for this member's own apply.
     */
    default boolean answer(PendingProposals pending, long seq) {
        if (this instanceof Applied a) {
            pending.complete(seq, a.result());
        } else if (this instanceof Refused r) {
            pending.fail(seq, r.reason());
        } else if (this instanceof Failed f) {
            pending.fail(seq, f.cause());
        } else {
            return false;
        }
        return true;
    }
}
