package raftkv.raft;

/** A command with the sequence number its proposer uses to find the waiting client when the entry is applied. */
public record Proposal(long seq, Command command) {
}
