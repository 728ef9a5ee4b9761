package raftkv.server.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import raftkv.raft.NodeStatus;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.server.ops.ChunkedOutput;
import raftkv.server.ops.MaintenanceOps;
import raftkv.storage.Alarm;
import raftkv.server.json.Json;
import raftkv.server.json.RequestJson;
import raftkv.server.json.ResponseJson;

/** Status, membership, health, version and metrics. */
final class MaintenanceApi {

    private final Node node;
    private final MaintenanceOps ops;

    MaintenanceApi(Node node) {
        this.node = node;
        this.ops = new MaintenanceOps(node);
    }

    void register(Map<String, Endpoint> post, Map<String, Endpoint> get) {
        post.put("/v3/maintenance/status", this::status);
        post.put("/v3/maintenance/hash", this::hash);
        post.put("/v3/maintenance/snapshot", this::snapshot);
        post.put("/v3/maintenance/defragment", this::defragment);
        post.put("/v3/maintenance/alarm", this::alarm);
        post.put("/v3/maintenance/transfer-leadership", this::moveLeader);
        get.put("/health", (body, who) -> health());
        get.put("/version", (body, who) -> CompletableFuture.completedFuture(Reply.json(new ResponseJson.Version(
                MaintenanceOps.ETCD_VERSION, MaintenanceOps.ETCD_VERSION, Node.VERSION))));
        get.put("/metrics", (body, who) -> CompletableFuture.completedFuture(new Reply(HttpResponseStatus.OK,
                node.metrics().prometheusText().getBytes(StandardCharsets.UTF_8),
                "text/plain; version=0.0.4; charset=utf-8")));
    }

    private CompletableFuture<Reply> status(byte[] body, Credentials who) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        MaintenanceOps.Status s = ops.status();
        List<String> errors = new ArrayList<>();
        for (Alarm a : s.alarms()) {
            errors.add(a.toString());
        }
        NodeStatus r = s.raft();
        return CompletableFuture.completedFuture(Reply.json(new ResponseJson.Status(node.header(s.revision()),
                Node.VERSION, s.dbSize(), r.leaderId(), r.commitIndex(), r.term(), r.appliedIndex(), errors,
                s.dbSize(), s.learner(), node.config().limits().quotaBytes())));
    }

    /**
     * Streams a consistent snapshot of this member's store: {@code {"result":{"header":..,"blob":base64}}} lines of
     * up to 64 KiB each. The snapshot is fixed before the first byte leaves, writes go on meanwhile.
     */
    private CompletableFuture<Reply> snapshot(byte[] body, Credentials who) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        return ops.snapshot(who).thenApply(opened -> Reply.stream(out -> {
            try (var snap = opened) {
                var header = node.header(snap.info().revision());
                try (ChunkedOutput chunks = new ChunkedOutput(64 << 10,
                        blob -> out.write(new ResponseJson.SnapshotChunk(header, blob)))) {
                    snap.writeTo(chunks);
                }
            }
        }));
    }

    private CompletableFuture<Reply> defragment(byte[] body, Credentials who) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        return ops.defragment(who).thenApply(rev -> Reply.json(new ResponseJson.HeaderOnly(node.header(rev))));
    }

    /** etcd's gateway path for {@code MoveLeader}; asked of the leader. */
    private CompletableFuture<Reply> moveLeader(byte[] body, Credentials who) throws Json.BadRequest {
        RequestJson.MoveLeader m = Json.decode(body, RequestJson.MoveLeader.class);
        if (m.targetId() == null || m.targetId() <= 0) {
            throw new Json.BadRequest("field \"targetID\": the member to hand the leadership to is required");
        }
        return ops.moveLeader(who, m.targetId()).thenApply(rev -> Reply.json(new ResponseJson.HeaderOnly(
                node.header(rev))));
    }

    private CompletableFuture<Reply> alarm(byte[] body, Credentials who) throws Json.BadRequest {
        RequestJson.Alarm a = Json.decode(body, RequestJson.Alarm.class);
        RequestJson.AlarmAction action = a.action() == null ? RequestJson.AlarmAction.GET : a.action();
        CompletableFuture<List<Alarm>> change;
        if (action == RequestJson.AlarmAction.GET) {
            change = ops.alarms(who);
        } else {
            if (a.alarm() == null || a.alarm() == RequestJson.AlarmType.NONE) {
                throw new Json.BadRequest("field \"alarm\": which alarm (NOSPACE) is required");
            }
            change = ops.alarm(who, a.memberId() == null ? 0 : a.memberId(), Alarm.Type.valueOf(a.alarm().name()),
                    action == RequestJson.AlarmAction.ACTIVATE);
        }
        return change.thenApply(list -> {
            List<ResponseJson.AlarmMember> alarms = new ArrayList<>();
            for (Alarm x : list) {
                alarms.add(new ResponseJson.AlarmMember(x.memberId(), x.type().name()));
            }
            return Reply.json(new ResponseJson.Alarms(node.header(node.store().revision()), alarms));
        });
    }

    private CompletableFuture<Reply> hash(byte[] body, Credentials who) throws Json.BadRequest {
        RequestJson.Hash h = body.length == 0 ? new RequestJson.Hash(null) : Json.decode(body, RequestJson.Hash.class);
        return ops.hash(who, h.revision() == null ? 0 : h.revision()).thenApply(kh -> Reply.json(new ResponseJson.Hash(
                node.header(node.store().revision()), kh.hash(), kh.compactRevision(), kh.revision())));
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
        return node.raft().reads().linearizable().orTimeout(1, TimeUnit.SECONDS)
                .handle((v, e) -> e == null ? Reply.json(new ResponseJson.Health("true", ""))
                        : unhealthy("QGET ERROR"));
    }

    private static Reply unhealthy(String reason) {
        return Reply.json(HttpResponseStatus.SERVICE_UNAVAILABLE, new ResponseJson.Health("false", reason));
    }
}
