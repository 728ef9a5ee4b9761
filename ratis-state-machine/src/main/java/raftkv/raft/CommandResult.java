package raftkv.raft;

import raftkv.storage.request.ResponseOp;

/** The outcome of an applied command: the store revision after it, and the response of a key-value request. */
public record CommandResult(long revision, ResponseOp response) {
}
