package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;

/** The header of every answer: which cluster and member answered, at which store revision and Raft term. */
public record Header(long clusterId, long memberId, long revision, long raftTerm) {

    static Header of(JsonNode header) {
        return new Header(Wire.int64(header, "cluster_id"), Wire.int64(header, "member_id"),
                Wire.int64(header, "revision"), Wire.int64(header, "raft_term"));
    }
}
