package raftkv.raft;

import java.util.List;

/**
 * The payload of one Raft log entry: a batch of proposals from one node. {@code proposer} identifies that node's
 * process (a random number chosen at start), so that only it answers the clients waiting for these proposals.
 */
public record LogEntry(long proposer, List<Proposal> proposals) {
}
