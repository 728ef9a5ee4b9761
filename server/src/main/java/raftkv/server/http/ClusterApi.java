package raftkv.server.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.MemberInfo;
import raftkv.server.Node;
import raftkv.server.json.Json;
import raftkv.server.json.RequestJson;
import raftkv.server.json.ResponseJson;

/**
 * {@code /v3/cluster/member/*}: the membership is Raft's configuration. A member is added as a learner (it receives
 * the log, by snapshot install if it is far behind, but does not vote) or as a voter, promoted, or removed (the
 * leader too: it steps down once the new configuration commits).
 */
final class ClusterApi {

    private final Node node;

    ClusterApi(Node node) {
        this.node = node;
    }

    void register(Map<String, Endpoint> routes) {
        routes.put("/v3/cluster/member/list", this::list);
        routes.put("/v3/cluster/member/add", this::add);
        routes.put("/v3/cluster/member/remove", this::remove);
        routes.put("/v3/cluster/member/promote", this::promote);
    }

    private CompletableFuture<Reply> list(byte[] body) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        return node.raft().readBarrier().thenApply(v -> reply(null, node.raft().members()));
    }

    private CompletableFuture<Reply> add(byte[] body) throws Json.BadRequest {
        RequestJson.MemberAdd a = Json.decode(body, RequestJson.MemberAdd.class);
        if (a.peerUrls() == null || a.peerUrls().size() != 1) {
            throw new Json.BadRequest("field \"peerURLs\": exactly one Raft URL (http://host:port) is required");
        }
        String raft = a.peerUrls().get(0).replaceFirst("^https?://", "");
        if (!raft.matches("[^:/]+:\\d{1,5}")) {
            throw new Json.BadRequest("field \"peerURLs\": '" + a.peerUrls().get(0) + "' is not http://host:port");
        }
        String client = a.clientUrls() == null || a.clientUrls().isEmpty() ? "" : a.clientUrls().get(0);
        boolean learner = a.isLearner() != null && a.isLearner();
        int[] added = {0};
        return node.raft().reconfigure(members -> {
            int id = a.id() != null && a.id() > 0 ? a.id().intValue()
                    : members.stream().mapToInt(MemberInfo::id).max().orElse(0) + 1;
            for (MemberInfo m : members) {
                if (m.id() == id) {
                    throw new ApiError.ApiException(new ApiError(io.netty.handler.codec.http.HttpResponseStatus
                            .BAD_REQUEST, ApiError.FAILED_PRECONDITION, "etcdserver: ID exists"));
                }
                if (m.raftAddress().equals(raft)) {
                    throw new ApiError.ApiException(new ApiError(io.netty.handler.codec.http.HttpResponseStatus
                            .BAD_REQUEST, ApiError.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"));
                }
            }
            added[0] = id;
            List<MemberInfo> next = new ArrayList<>(members);
            next.add(new MemberInfo(id, raft, client, learner));
            return next;
        }).thenApply(members -> reply(members.stream().filter(m -> m.id() == added[0]).findFirst().orElse(null),
                members));
    }

    private CompletableFuture<Reply> remove(byte[] body) throws Json.BadRequest {
        int id = memberId(Json.decode(body, RequestJson.MemberId.class));
        return node.raft().reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>(members);
            if (!next.removeIf(m -> m.id() == id)) {
                throw notFound(id);
            }
            if (next.stream().noneMatch(m -> !m.learner())) {
                throw new ApiError.ApiException(ApiError.badRequest("cannot remove the last voting member"));
            }
            return next;
        }).thenApply(members -> reply(null, members));
    }

    private CompletableFuture<Reply> promote(byte[] body) throws Json.BadRequest {
        int id = memberId(Json.decode(body, RequestJson.MemberId.class));
        MemberInfo m = node.raft().members().stream().filter(x -> x.id() == id).findFirst()
                .orElseThrow(() -> notFound(id));
        if (!m.learner()) {
            throw new ApiError.ApiException(new ApiError(io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST,
                    ApiError.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"));
        }
        return node.raft().promote(id).thenApply(members -> reply(null, members));
    }

    private static ApiError.ApiException notFound(int id) {
        return new ApiError.ApiException(new ApiError(io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND,
                ApiError.NOT_FOUND, "etcdserver: member not found: " + id));
    }

    private static int memberId(RequestJson.MemberId m) throws Json.BadRequest {
        if (m.id() == null || m.id() <= 0) {
            throw new Json.BadRequest("field \"ID\": a member id is required");
        }
        return m.id().intValue();
    }

    private Reply reply(MemberInfo member, List<MemberInfo> members) {
        List<ResponseJson.Member> out = new ArrayList<>();
        for (MemberInfo m : members) {
            out.add(json(m));
        }
        return Reply.json(new ResponseJson.MemberChange(node.header(node.store().revision()),
                member == null ? null : json(member), out));
    }

    private static ResponseJson.Member json(MemberInfo m) {
        return new ResponseJson.Member(m.id(), "node-" + m.id(), List.of("http://" + m.raftAddress()),
                m.clientUrl().isEmpty() ? List.of() : List.of(m.clientUrl()), m.learner());
    }
}
