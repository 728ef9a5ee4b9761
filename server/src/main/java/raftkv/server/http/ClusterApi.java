package raftkv.server.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.MemberInfo;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.server.ops.MemberOps;
import raftkv.server.json.Json;
import raftkv.server.json.RequestJson;
import raftkv.server.json.ResponseJson;

/** {@code /v3/cluster/member/*}: JSON in and out of {@link MemberOps}, which gRPC's Cluster service shares. */
final class ClusterApi {

    private final Node node;
    private final MemberOps members;

    ClusterApi(Node node) {
        this.node = node;
        this.members = new MemberOps(node);
    }

    void register(Map<String, Endpoint> routes) {
        routes.put("/v3/cluster/member/list", this::list);
        routes.put("/v3/cluster/member/add", this::add);
        routes.put("/v3/cluster/member/remove", this::remove);
        routes.put("/v3/cluster/member/promote", this::promote);
        routes.put("/v3/cluster/member/update", this::update);
    }

    private CompletableFuture<Reply> list(byte[] body, Credentials who) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        return members.list().thenApply(list -> reply(null, list));
    }

    private CompletableFuture<Reply> add(byte[] body, Credentials who) throws Json.BadRequest {
        RequestJson.MemberAdd a = Json.decode(body, RequestJson.MemberAdd.class);
        if (a.peerUrls() == null || a.peerUrls().size() != 1) {
            throw new Json.BadRequest("field \"peerURLs\": exactly one Raft URL (http://host:port) is required");
        }
        String client = a.clientUrls() == null || a.clientUrls().isEmpty() ? "" : a.clientUrls().get(0);
        boolean learner = a.isLearner() != null && a.isLearner();
        return members.add(who, a.peerUrls().get(0), client, learner, a.id() == null ? 0 : a.id())
                .thenApply(c -> reply(c.added(), c.members()));
    }

    private CompletableFuture<Reply> remove(byte[] body, Credentials who) throws Json.BadRequest {
        int id = memberId(Json.decode(body, RequestJson.MemberId.class));
        return members.remove(who, id).thenApply(c -> reply(null, c.members()));
    }

    private CompletableFuture<Reply> promote(byte[] body, Credentials who) throws Json.BadRequest {
        int id = memberId(Json.decode(body, RequestJson.MemberId.class));
        return members.promote(who, id).thenApply(c -> reply(null, c.members()));
    }

    private CompletableFuture<Reply> update(byte[] body, Credentials who) throws Json.BadRequest {
        RequestJson.MemberUpdate u = Json.decode(body, RequestJson.MemberUpdate.class);
        if (u.id() == null || u.id() <= 0) {
            throw new Json.BadRequest("field \"ID\": a member id is required");
        }
        if (u.peerUrls() == null || u.peerUrls().size() != 1) {
            throw new Json.BadRequest("field \"peerURLs\": exactly one Raft URL (http://host:port) is required");
        }
        return members.update(who, u.id(), u.peerUrls().get(0)).thenApply(c -> reply(null, c.members()));
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

    private ResponseJson.Member json(MemberInfo m) {
        return new ResponseJson.Member(m.id(), "node-" + m.id(), List.of(node.peerUrlOf(m)),
                m.clientUrl().isEmpty() ? List.of() : List.of(node.clientUrlOf(m.clientUrl())), m.learner());
    }
}
