package raftkv.server.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import raftkv.raft.NodeStatus;
import raftkv.raft.RaftNodeOptions;
import raftkv.server.Node;
import raftkv.server.json.Json;
import raftkv.server.json.RequestJson;
import raftkv.server.json.ResponseJson;

/** Status, membership, health, version and metrics. */
final class MaintenanceApi {

    private final Node node;

    MaintenanceApi(Node node) {
        this.node = node;
    }

    void register(Map<String, Endpoint> post, Map<String, Endpoint> get) {
        post.put("/v3/maintenance/status", this::status);
        post.put("/v3/cluster/member/list", this::memberList);
        post.put("/v3/maintenance/hash", this::hash);
        get.put("/health", body -> health());
        get.put("/version", body -> CompletableFuture.completedFuture(Reply.json(
                new ResponseJson.Version("3.5.0", "3.5.0", Node.VERSION))));
        get.put("/metrics", body -> CompletableFuture.completedFuture(new Reply(HttpResponseStatus.OK,
                node.metrics().prometheusText().getBytes(StandardCharsets.UTF_8),
                "text/plain; version=0.0.4; charset=utf-8")));
    }

    private CompletableFuture<Reply> status(byte[] body) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        NodeStatus s = node.status();
        List<String> errors = node.noSpace() ? List.of("memberID:" + s.memberId() + " alarm:NOSPACE") : List.of();
        long size = node.dbSize();
        return CompletableFuture.completedFuture(Reply.json(new ResponseJson.Status(
                node.header(node.store().revision()), Node.VERSION, size, s.leaderId(), s.commitIndex(), s.term(),
                s.appliedIndex(), errors, size, false)));
    }

    /** The KV hash at a revision (0: current), after a ReadIndex round so that this member is current. */
    private CompletableFuture<Reply> hash(byte[] body) throws Json.BadRequest {
        RequestJson.Hash h = body.length == 0 ? new RequestJson.Hash(null) : Json.decode(body, RequestJson.Hash.class);
        long rev = h.revision() == null ? 0 : h.revision();
        return node.raft().readBarrier().thenApplyAsync(v -> {
            var kh = node.store().hash(rev);
            return Reply.json(new ResponseJson.Hash(node.header(node.store().revision()), kh.hash(),
                    kh.compactRevision(), kh.revision()));
        }, node.work());
    }

    private CompletableFuture<Reply> memberList(byte[] body) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        List<ResponseJson.Member> members = new ArrayList<>();
        for (RaftNodeOptions.Peer p : node.raft().peers()) {
            members.add(new ResponseJson.Member(p.id(), "node-" + p.id(), List.of("http://" + p.raftAddress()),
                    List.of(p.clientUrl()), false));
        }
        return CompletableFuture.completedFuture(Reply.json(new ResponseJson.MemberList(
                node.header(node.store().revision()), members)));
    }

    /**
     * Healthy when this member knows a leader and can complete a linearizable read within a second, and no alarm
     * is raised; as etcd's {@code /health}.
     */
    private CompletableFuture<Reply> health() {
        if (node.noSpace()) {
            return CompletableFuture.completedFuture(unhealthy("ALARM NOSPACE"));
        }
        if (node.status().leaderId() == 0) {
            return CompletableFuture.completedFuture(unhealthy("RAFT NO LEADER"));
        }
        return node.raft().readBarrier().orTimeout(1, TimeUnit.SECONDS)
                .handle((v, e) -> e == null ? Reply.json(new ResponseJson.Health("true", ""))
                        : unhealthy("QGET ERROR"));
    }

    private static Reply unhealthy(String reason) {
        return Reply.json(HttpResponseStatus.SERVICE_UNAVAILABLE, new ResponseJson.Health("false", reason));
    }
}
