package raftkv.server.json;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Response bodies as etcd's JSON gateway writes them: snake_case names for the KV API (camelCase where etcd's
 * own protos use it, as in maintenance status), int64 as strings, zero values left out, bytes in base64.
 */
public final class ResponseJson {

    private ResponseJson() {
    }

    public record Header(
            @JsonProperty("cluster_id") long clusterId,
            @JsonProperty("member_id") long memberId,
            @JsonProperty("revision") long revision,
            @JsonProperty("raft_term") long raftTerm) {
    }

    public record KeyValue(
            @JsonProperty("key") byte[] key,
            @JsonProperty("create_revision") long createRevision,
            @JsonProperty("mod_revision") long modRevision,
            @JsonProperty("version") long version,
            @JsonProperty("value") byte[] value,
            @JsonProperty("lease") long lease) {
    }

    public record Range(
            @JsonProperty("header") Header header,
            @JsonProperty("kvs") List<KeyValue> kvs,
            @JsonProperty("more") boolean more,
            @JsonProperty("count") long count) {
    }

    public record Put(
            @JsonProperty("header") Header header,
            @JsonProperty("prev_kv") KeyValue prevKv) {
    }

    public record DeleteRange(
            @JsonProperty("header") Header header,
            @JsonProperty("deleted") long deleted,
            @JsonProperty("prev_kvs") List<KeyValue> prevKvs) {
    }

    public record Txn(
            @JsonProperty("header") Header header,
            @JsonProperty("succeeded") boolean succeeded,
            @JsonProperty("responses") List<Op> responses) {
    }

    public record Op(
            @JsonProperty("response_range") Range responseRange,
            @JsonProperty("response_put") Put responsePut,
            @JsonProperty("response_delete_range") DeleteRange responseDeleteRange,
            @JsonProperty("response_txn") Txn responseTxn) {
    }

    public record Compaction(@JsonProperty("header") Header header) {
    }

    public record Status(
            @JsonProperty("header") Header header,
            @JsonProperty("version") String version,
            @JsonProperty("dbSize") long dbSize,
            @JsonProperty("leader") long leader,
            @JsonProperty("raftIndex") long raftIndex,
            @JsonProperty("raftTerm") long raftTerm,
            @JsonProperty("raftAppliedIndex") long raftAppliedIndex,
            @JsonProperty("errors") List<String> errors,
            @JsonProperty("dbSizeInUse") long dbSizeInUse,
            @JsonProperty("isLearner") boolean isLearner,
            // etcd 3.6's field: the size at which this member raises the NOSPACE alarm (the console shows both).
            @JsonProperty("dbSizeQuota") long dbSizeQuota) {
    }

    public record Watch(
            @JsonProperty("header") Header header,
            @JsonProperty("watch_id") long watchId,
            @JsonProperty("created") boolean created,
            @JsonProperty("canceled") boolean canceled,
            @JsonProperty("compact_revision") long compactRevision,
            @JsonProperty("cancel_reason") String cancelReason,
            @JsonProperty("events") List<Event> events) {
    }

    public record Event(
            @JsonProperty("type") String type,
            @JsonProperty("kv") KeyValue kv,
            @JsonProperty("prev_kv") KeyValue prevKv) {
    }

    public record LeaseGrant(@JsonProperty("header") Header header, @JsonProperty("ID") long id,
                             @JsonProperty("TTL") long ttl) {
    }

    public record LeaseKeepAlive(@JsonProperty("header") Header header, @JsonProperty("ID") long id,
                                 @JsonProperty("TTL") long ttl) {
    }

    public record LeaseTimeToLive(@JsonProperty("header") Header header, @JsonProperty("ID") long id,
                                  @JsonProperty("TTL") long ttl, @JsonProperty("grantedTTL") long grantedTtl,
                                  @JsonProperty("keys") List<byte[]> keys) {
    }

    public record LeaseStatus(@JsonProperty("ID") long id) {
    }

    public record Leases(@JsonProperty("header") Header header, @JsonProperty("leases") List<LeaseStatus> leases) {
    }

    public record AlarmMember(@JsonProperty("memberID") long memberId, @JsonProperty("alarm") String alarm) {
    }

    public record Alarms(@JsonProperty("header") Header header, @JsonProperty("alarms") List<AlarmMember> alarms) {
    }

    /** A chunk of a snapshot download. */
    public record SnapshotChunk(@JsonProperty("header") Header header, @JsonProperty("blob") byte[] blob) {
    }

    /** Only a header (revoke, compaction, defragment...). */
    public record HeaderOnly(@JsonProperty("header") Header header) {
    }

    /** One message of a stream (watch, keepalive, snapshot), wrapped as etcd's gateway wraps it. */
    public record Streamed(@JsonProperty("result") Object result) {
    }

    /** The KV hash at a revision (etcd's HashKV), to compare members. */
    public record Hash(
            @JsonProperty("header") Header header,
            @JsonProperty("hash") long hash,
            @JsonProperty("compact_revision") long compactRevision,
            @JsonProperty("hash_revision") long hashRevision) {
    }

    public record Member(
            @JsonProperty("ID") long id,
            @JsonProperty("name") String name,
            @JsonProperty("peerURLs") List<String> peerUrls,
            @JsonProperty("clientURLs") List<String> clientUrls,
            @JsonProperty("isLearner") boolean isLearner) {
    }

    public record MemberList(
            @JsonProperty("header") Header header,
            @JsonProperty("members") List<Member> members) {
    }

    public record MemberChange(
            @JsonProperty("header") Header header,
            @JsonProperty("member") Member member,
            @JsonProperty("members") List<Member> members) {
    }

    public record Health(@JsonProperty("health") String health, @JsonProperty("reason") String reason) {
    }

    public record Version(@JsonProperty("etcdserver") String etcdServer,
                          @JsonProperty("etcdcluster") String etcdCluster,
                          @JsonProperty("raftkv") String raftkv) {
    }

    /** How a stream (watch) reports an error before it ends: the error wrapped, as etcd's gateway does. */
    public record StreamError(@JsonProperty("error") Error error) {
    }

    /** etcd's gateway error body: a gRPC status code and its message. */
    public record Error(@JsonProperty("error") String error, @JsonProperty("code") int code,
                        @JsonProperty("message") String message) {
    }
}
