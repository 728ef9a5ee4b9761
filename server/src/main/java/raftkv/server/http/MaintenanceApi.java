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
import raftkv.storage.Alarm;
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
        post.put("/v3/maintenance/hash", this::hash);
        post.put("/v3/maintenance/snapshot", this::snapshot);
        post.put("/v3/maintenance/defragment", this::defragment);
        post.put("/v3/maintenance/alarm", this::alarm);
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
        List<String> errors = new ArrayList<>();
        for (Alarm a : node.store().alarms()) {
            errors.add(a.toString());
        }
        long size = node.dbSize();
        return CompletableFuture.completedFuture(Reply.json(new ResponseJson.Status(
                node.header(node.store().revision()), Node.VERSION, size, s.leaderId(), s.commitIndex(), s.term(),
                s.appliedIndex(), errors, size, "LISTENER".equals(s.role()))));
    }

    /**
     * Streams a consistent snapshot of this member's store: {@code {"result":{"header":..,"blob":base64}}} lines of
     * up to 64 KiB each. The snapshot is fixed before the first byte leaves, writes go on meanwhile.
     */
    private CompletableFuture<Reply> snapshot(byte[] body) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        // Current first: the snapshot holds at least everything committed when it was asked for.
        return node.raft().readBarrier().thenApply(v -> Reply.stream(out -> {
            try (var snap = node.store().openSnapshot()) {
                var header = node.header(snap.info().revision());
                try (ChunkedOutput chunks = new ChunkedOutput(64 << 10,
                        blob -> out.write(new ResponseJson.SnapshotChunk(header, blob)))) {
                    snap.writeTo(chunks);
                }
            }
        }));
    }

    /** Rewrites this member's database into a fresh file (the store is unavailable meanwhile, as in etcd). */
    private CompletableFuture<Reply> defragment(byte[] body) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        return node.raft().readBarrier().thenApplyAsync(v -> {
            node.defragment();
            return Reply.json(new ResponseJson.HeaderOnly(node.header(node.store().revision())));
        }, node.work());
    }

    /** Lists, raises or clears alarms; raising and clearing go through the log so that every member agrees. */
    private CompletableFuture<Reply> alarm(byte[] body) throws Json.BadRequest {
        RequestJson.Alarm a = Json.decode(body, RequestJson.Alarm.class);
        RequestJson.AlarmAction action = a.action() == null ? RequestJson.AlarmAction.GET : a.action();
        CompletableFuture<?> change;
        if (action == RequestJson.AlarmAction.GET) {
            // A listing is linearizable, as etcd's (which goes through its log): it sees every alarm raised before it.
            change = node.raft().readBarrier();
        } else {
            if (a.alarm() == null || a.alarm() == RequestJson.AlarmType.NONE) {
                throw new Json.BadRequest("field \"alarm\": which alarm (NOSPACE) is required");
            }
            if (a.memberId() == null || a.memberId() <= 0) {
                throw new Json.BadRequest("field \"memberID\": the member of the alarm is required");
            }
            boolean activate = action == RequestJson.AlarmAction.ACTIVATE;
            if (activate && node.raft().members().stream().noneMatch(m -> m.id() == a.memberId())) {
                // Clearing stays allowed: an alarm may outlive its member's removal.
                throw new Json.BadRequest("field \"memberID\": " + a.memberId() + " is not a member of this cluster");
            }
            change = node.raft().propose(new raftkv.raft.Command.Alarm(a.memberId().intValue(), a.alarm().name(),
                    activate));
        }
        return change.thenApply(v -> {
            List<ResponseJson.AlarmMember> alarms = new ArrayList<>();
            for (Alarm x : node.store().alarms()) {
                alarms.add(new ResponseJson.AlarmMember(x.memberId(), x.type().name()));
            }
            return Reply.json(new ResponseJson.Alarms(node.header(node.store().revision()), alarms));
        });
    }

    /** The KV hash at a revision (0: current), after a ReadIndex round so that this member is current. */
    private CompletableFuture<Reply> hash(byte[] body) throws Json.BadRequest {
        RequestJson.Hash h = body.length == 0 ? new RequestJson.Hash(null) : Json.decode(body, RequestJson.Hash.class);
        long rev = h.revision() == null ? 0 : h.revision();
        if (rev < 0) {
            throw new Json.BadRequest("field \"revision\": must not be negative (0: the current revision)");
        }
        return node.raft().readBarrier().thenApplyAsync(v -> {
            var kh = node.store().hash(rev);
            return Reply.json(new ResponseJson.Hash(node.header(node.store().revision()), kh.hash(),
                    kh.compactRevision(), kh.revision()));
        }, node.work());
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
