package raftkv.server.json;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import raftkv.storage.request.Compare;
import raftkv.storage.request.RangeRequest;

/**
 * Request bodies as etcd's JSON gateway writes them: snake_case field names (lowerCamelCase accepted too), bytes
 * in base64, int64 as strings or numbers, enums by name or number. Absent fields are null. These types exist only
 * at the JSON boundary; {@link WireMapping} turns them into the store's request records.
 */
public final class RequestJson {

    private RequestJson() {
    }

    public record Range(
            @JsonProperty("key") byte[] key,
            @JsonProperty("range_end") @JsonAlias("rangeEnd") byte[] rangeEnd,
            @JsonProperty("limit") Long limit,
            @JsonProperty("revision") Long revision,
            @JsonProperty("sort_order") @JsonAlias("sortOrder") RangeRequest.SortOrder sortOrder,
            @JsonProperty("sort_target") @JsonAlias("sortTarget") RangeRequest.SortTarget sortTarget,
            @JsonProperty("serializable") Boolean serializable,
            @JsonProperty("keys_only") @JsonAlias("keysOnly") Boolean keysOnly,
            @JsonProperty("count_only") @JsonAlias("countOnly") Boolean countOnly,
            @JsonProperty("min_mod_revision") @JsonAlias("minModRevision") Long minModRevision,
            @JsonProperty("max_mod_revision") @JsonAlias("maxModRevision") Long maxModRevision,
            @JsonProperty("min_create_revision") @JsonAlias("minCreateRevision") Long minCreateRevision,
            @JsonProperty("max_create_revision") @JsonAlias("maxCreateRevision") Long maxCreateRevision) {
    }

    public record Put(
            @JsonProperty("key") byte[] key,
            @JsonProperty("value") byte[] value,
            @JsonProperty("lease") Long lease,
            @JsonProperty("prev_kv") @JsonAlias("prevKv") Boolean prevKv,
            @JsonProperty("ignore_value") @JsonAlias("ignoreValue") Boolean ignoreValue,
            @JsonProperty("ignore_lease") @JsonAlias("ignoreLease") Boolean ignoreLease) {
    }

    public record DeleteRange(
            @JsonProperty("key") byte[] key,
            @JsonProperty("range_end") @JsonAlias("rangeEnd") byte[] rangeEnd,
            @JsonProperty("prev_kv") @JsonAlias("prevKv") Boolean prevKv) {
    }

    public record Txn(
            @JsonProperty("compare") List<CompareJson> compare,
            @JsonProperty("success") List<Op> success,
            @JsonProperty("failure") List<Op> failure) {
    }

    /** One of a txn's operations: exactly one field is set. */
    public record Op(
            @JsonProperty("request_range") @JsonAlias("requestRange") Range requestRange,
            @JsonProperty("request_put") @JsonAlias("requestPut") Put requestPut,
            @JsonProperty("request_delete_range") @JsonAlias("requestDeleteRange") DeleteRange requestDeleteRange,
            @JsonProperty("request_txn") @JsonAlias("requestTxn") Txn requestTxn) {
    }

    /** A compare; which constant field is used depends on {@code target}. */
    public record CompareJson(
            @JsonProperty("result") Compare.Result result,
            @JsonProperty("target") Compare.Target target,
            @JsonProperty("key") byte[] key,
            @JsonProperty("range_end") @JsonAlias("rangeEnd") byte[] rangeEnd,
            @JsonProperty("version") Long version,
            @JsonProperty("create_revision") @JsonAlias("createRevision") Long createRevision,
            @JsonProperty("mod_revision") @JsonAlias("modRevision") Long modRevision,
            @JsonProperty("value") byte[] value,
            @JsonProperty("lease") Long lease) {
    }

    public record Compaction(
            @JsonProperty("revision") Long revision,
            @JsonProperty("physical") Boolean physical) {
    }

    public record Hash(@JsonProperty("revision") Long revision) {
    }

    /** One message of a watch stream: exactly one of the three is set. */
    public record Watch(
            @JsonProperty("create_request") @JsonAlias("createRequest") WatchCreate createRequest,
            @JsonProperty("cancel_request") @JsonAlias("cancelRequest") WatchCancel cancelRequest,
            @JsonProperty("progress_request") @JsonAlias("progressRequest") Empty progressRequest) {
    }

    public enum WatchFilter { NOPUT, NODELETE }

    public record WatchCreate(
            @JsonProperty("key") byte[] key,
            @JsonProperty("range_end") @JsonAlias("rangeEnd") byte[] rangeEnd,
            @JsonProperty("start_revision") @JsonAlias("startRevision") Long startRevision,
            @JsonProperty("progress_notify") @JsonAlias("progressNotify") Boolean progressNotify,
            @JsonProperty("filters") List<WatchFilter> filters,
            @JsonProperty("prev_kv") @JsonAlias("prevKv") Boolean prevKv,
            @JsonProperty("watch_id") @JsonAlias("watchId") Long watchId,
            @JsonProperty("fragment") Boolean fragment) {
    }

    public record WatchCancel(@JsonProperty("watch_id") @JsonAlias("watchId") Long watchId) {
    }

    /**
     * etcd's MemberAddRequest, plus what etcd learns when the member first starts: its {@code ID} (default: one
     * above the highest), {@code name} and {@code clientURLs}.
     */
    public record MemberAdd(@JsonProperty("peerURLs") @JsonAlias("peer_urls") List<String> peerUrls,
                            @JsonProperty("isLearner") @JsonAlias("is_learner") Boolean isLearner,
                            @JsonProperty("ID") @JsonAlias("id") Long id,
                            @JsonProperty("name") String name,
                            @JsonProperty("clientURLs") @JsonAlias("client_urls") List<String> clientUrls) {
    }

    /** Remove, promote: just the member. */
    public record MemberId(@JsonProperty("ID") @JsonAlias("id") Long id) {
    }

    /** etcd's MemberUpdateRequest: the member and its peer URL. */
    public record MemberUpdate(@JsonProperty("ID") @JsonAlias("id") Long id,
                               @JsonProperty("peerURLs") @JsonAlias("peer_urls") List<String> peerUrls) {
    }

    /** etcd's MoveLeaderRequest: the voter to hand the leadership to. */
    public record MoveLeader(@JsonProperty("targetID") @JsonAlias({"target_id", "targetId"}) Long targetId) {
    }

    public enum AlarmAction { GET, ACTIVATE, DEACTIVATE }

    public enum AlarmType { NONE, NOSPACE, CORRUPT }

    public record Alarm(@JsonProperty("action") AlarmAction action,
                        @JsonProperty("memberID") @JsonAlias({"member_id", "memberId"}) Long memberId,
                        @JsonProperty("alarm") AlarmType alarm) {
    }

    public record LeaseGrant(@JsonProperty("TTL") @JsonAlias("ttl") Long ttl,
                             @JsonProperty("ID") @JsonAlias("id") Long id) {
    }

    /** Revoke, keepalive: just the lease. */
    public record LeaseId(@JsonProperty("ID") @JsonAlias("id") Long id) {
    }

    public record LeaseTimeToLive(@JsonProperty("ID") @JsonAlias("id") Long id,
                                  @JsonProperty("keys") Boolean keys) {
    }

    /** Bodies that carry nothing we read (status, member list); any field is still refused as unknown. */
    public record Empty() {
    }
}
