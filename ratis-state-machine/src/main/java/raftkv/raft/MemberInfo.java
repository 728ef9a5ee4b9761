package raftkv.raft;

/**
 * A member of the Raft group as its configuration records it: id, Raft address, client URL, and whether it is a
 * learner (a Ratis listener: it receives the log but does not vote).
 */
public record MemberInfo(int id, String raftAddress, String clientUrl, boolean learner) {
}
