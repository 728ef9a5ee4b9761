package raftkv.raft;

/**
 * What a member knows of itself and the cluster right now. {@code leaderId} is 0 while there is no known leader.
 */
public record NodeStatus(int memberId, int leaderId, long term, long commitIndex, long appliedIndex,
                         boolean isLeader, String role) {
}
