package raftkv.server.http;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.Query;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.server.ops.LeaseOps;
import raftkv.server.json.Json;
import raftkv.server.json.RequestJson;
import raftkv.server.json.ResponseJson;

/** {@code /v3/lease/*}: JSON in and out of {@link LeaseOps}, which gRPC's Lease service shares. */
final class LeaseApi {

    private final Node node;
    private final LeaseOps leases;

    LeaseApi(Node node) {
        this.node = node;
        this.leases = new LeaseOps(node);
    }

    void register(Map<String, Endpoint> routes) {
        routes.put("/v3/lease/grant", this::grant);
        for (String prefix : List.of("/v3/lease/", "/v3/kv/lease/")) {
            routes.put(prefix + "revoke", this::revoke);
            routes.put(prefix + "timetolive", this::timeToLive);
            routes.put(prefix + "leases", this::leases);
        }
        routes.put("/v3/lease/keepalive", this::keepAlive);
    }

    private CompletableFuture<Reply> grant(byte[] body, Credentials who) throws Json.BadRequest {
        RequestJson.LeaseGrant g = Json.decode(body, RequestJson.LeaseGrant.class);
        long ttl = g.ttl() == null ? 0 : g.ttl();
        if (ttl <= 0) {
            throw new Json.BadRequest("field \"TTL\": a positive TTL in seconds is required");
        }
        long id = g.id() == null ? 0 : g.id();
        if (id < 0) {
            throw new Json.BadRequest("field \"ID\": a lease id must be positive");
        }
        return leases.grant(who, ttl, id).thenApply(l ->
                Reply.json(new ResponseJson.LeaseGrant(node.header(l.revision()), l.id(), l.ttl())));
    }

    private CompletableFuture<Reply> revoke(byte[] body, Credentials who) throws Json.BadRequest {
        long id = leaseId(Json.decode(body, RequestJson.LeaseId.class).id());
        return leases.revoke(who, id).thenApply(rev -> Reply.json(new ResponseJson.HeaderOnly(node.header(rev))));
    }

    /**
     * Renews each lease in the body (one or more JSON objects) and answers one streamed message per lease; a
     * lease that is gone (expired or revoked) comes back with no TTL, as in etcd.
     */
    private CompletableFuture<Reply> keepAlive(byte[] body, Credentials who) throws Json.BadRequest {
        List<Long> ids = new ArrayList<>();
        for (RequestJson.LeaseId l : Json.decodeAll(body, RequestJson.LeaseId.class)) {
            ids.add(leaseId(l.id()));
        }
        List<CompletableFuture<Query.LeaseState>> renewals = new ArrayList<>();
        for (long id : ids) {
            renewals.add(leases.keepAlive(who, id));
        }
        return CompletableFuture.allOf(renewals.toArray(CompletableFuture[]::new)).thenApply(v -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (CompletableFuture<Query.LeaseState> f : renewals) {
                Query.LeaseState s = f.join();
                out.writeBytes(Json.encode(new ResponseJson.Streamed(new ResponseJson.LeaseKeepAlive(
                        node.header(node.store().revision()), s.id(), Math.max(0, s.ttl())))));
                out.write('\n');
            }
            return new Reply(io.netty.handler.codec.http.HttpResponseStatus.OK, out.toByteArray(), Reply.JSON);
        });
    }

    private CompletableFuture<Reply> timeToLive(byte[] body, Credentials who) throws Json.BadRequest {
        RequestJson.LeaseTimeToLive t = Json.decode(body, RequestJson.LeaseTimeToLive.class);
        long id = leaseId(t.id());
        boolean keys = t.keys() != null && t.keys();
        return leases.timeToLive(who, id, keys).thenApply(s ->
                Reply.json(new ResponseJson.LeaseTimeToLive(node.header(node.store().revision()), id, s.ttl(),
                        s.grantedTtl(), s.keys())));
    }

    private CompletableFuture<Reply> leases(byte[] body, Credentials who) throws Json.BadRequest {
        if (body.length > 0) {
            Json.decode(body, RequestJson.Empty.class);
        }
        return leases.leases(who).thenApply(ids -> {
            List<ResponseJson.LeaseStatus> out = new ArrayList<>();
            for (long id : ids) {
                out.add(new ResponseJson.LeaseStatus(id));
            }
            return Reply.json(new ResponseJson.Leases(node.header(node.store().revision()), out));
        });
    }

    private static long leaseId(Long id) throws Json.BadRequest {
        if (id == null || id <= 0) {
            throw new Json.BadRequest("field \"ID\": a lease id is required");
        }
        return id;
    }

}
