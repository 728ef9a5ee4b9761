package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import raftkv.client.transport.HttpTransport;

/**
 * Maintenance of members: status, hash, defragment and snapshot speak to one given endpoint (they are about that
 * member); alarms are cluster-wide.
 */
public final class MaintenanceClient {

    /** A member's status, as {@code /v3/maintenance/status} reports it. */
    public record Status(URI endpoint, Header header, String version, long dbSize, long dbSizeInUse, long leader,
                         long raftIndex, long raftTerm, long raftAppliedIndex, boolean learner, List<String> errors) {
    }

    /** The hash of a member's KV state at {@code hashRevision}, to compare members. */
    public record Hash(URI endpoint, Header header, long hash, long compactRevision, long hashRevision) {
    }

    /** A raised alarm: the member and the alarm (NOSPACE). */
    public record Alarm(long memberId, String alarm) {
    }

    private final Rpc rpc;

    MaintenanceClient(Rpc rpc) {
        this.rpc = rpc;
    }

    public CompletableFuture<Status> status(URI endpoint) {
        return rpc.callAt(endpoint, "/v3/maintenance/status", Rpc.object(), n -> {
            List<String> errors = new ArrayList<>();
            n.path("errors").forEach(e -> errors.add(e.asText()));
            return new Status(endpoint, Header.of(n.path("header")), n.path("version").asText(),
                    Wire.int64(n, "dbSize"), Wire.int64(n, "dbSizeInUse"), Wire.int64(n, "leader"),
                    Wire.int64(n, "raftIndex"), Wire.int64(n, "raftTerm"), Wire.int64(n, "raftAppliedIndex"),
                    n.path("isLearner").asBoolean(), errors);
        });
    }

    /** The KV hash at {@code revision} (0: the current one). */
    public CompletableFuture<Hash> hash(URI endpoint, long revision) {
        return rpc.callAt(endpoint, "/v3/maintenance/hash", Rpc.object().put("revision", revision),
                n -> new Hash(endpoint, Header.of(n.path("header")), Wire.int64(n, "hash"),
                        Wire.int64(n, "compact_revision"), Wire.int64(n, "hash_revision")));
    }

    /**
     * Whether {@code endpoint} is healthy: it knows a leader, serves a linearizable read, and no alarm is raised.
     * Completes exceptionally with the reason when it is not, or does not answer.
     */
    public CompletableFuture<Boolean> health(URI endpoint) {
        return rpc.transport().get(endpoint, "/health", rpc.timeout()).handle((r, e) -> {
            if (e != null) {
                throw new RaftKvException.Unavailable(endpoint + " did not answer: " + Rpc.rootMessage(e), e);
            }
            JsonNode n;
            try {
                n = Rpc.JSON.readTree(r.body());
            } catch (IOException x) {
                throw new RaftKvException(-1, "unreadable health answer from " + endpoint);
            }
            if (!"true".equals(n.path("health").asText())) {
                throw new RaftKvException.Unavailable(n.path("reason").asText("unhealthy"), null);
            }
            return true;
        });
    }

    public CompletableFuture<Header> defragment(URI endpoint) {
        return rpc.callAt(endpoint, "/v3/maintenance/defragment", Rpc.object(), n -> Header.of(n.path("header")));
    }

    public CompletableFuture<List<Alarm>> alarms() {
        return rpc.call("/v3/maintenance/alarm", Rpc.object(), Rpc.Safety.SAFE, MaintenanceClient::alarms);
    }

    /** Clears a member's alarm; completes with the alarms still raised. */
    public CompletableFuture<List<Alarm>> disarm(long memberId, String alarm) {
        return rpc.call("/v3/maintenance/alarm", Rpc.object().put("action", "DEACTIVATE")
                .put("memberID", Long.toString(memberId)).put("alarm", alarm), Rpc.Safety.UNSAFE,
                MaintenanceClient::alarms);
    }

    private static List<Alarm> alarms(JsonNode n) {
        List<Alarm> out = new ArrayList<>();
        n.path("alarms").forEach(a -> out.add(new Alarm(Wire.int64(a, "memberID"), a.path("alarm").asText())));
        return out;
    }

    /**
     * Streams a consistent snapshot of {@code endpoint}'s store into {@code out}; completes with the number of bytes
     * written. {@code progress} (may be null) gets the running total after each chunk. Both are called on the
     * network thread, chunk by chunk: give a stream that does not block for long (a file, a buffer).
     */
    public CompletableFuture<Long> snapshot(URI endpoint, OutputStream out, java.util.function.LongConsumer progress) {
        return rpc.token().thenCompose(token -> snapshot(endpoint, token, out, progress));
    }

    private CompletableFuture<Long> snapshot(URI endpoint, String token, OutputStream out,
                                             java.util.function.LongConsumer progress) {
        long[] total = {0};
        CompletableFuture<Long> result = new CompletableFuture<>();
        HttpTransport.Stream s = rpc.transport().stream(endpoint, "/v3/maintenance/snapshot", "{}".getBytes(), token,
                line -> {
                    try {
                        JsonNode n = Rpc.JSON.readTree(line);
                        if (n.has("error")) {
                            JsonNode err = n.get("error");
                            result.completeExceptionally(RaftKvException.of(500, err.path("code").asInt(),
                                    err.path("message").asText()));
                            return;
                        }
                        byte[] blob = Base64.getDecoder().decode(n.path("result").path("blob").asText(""));
                        out.write(blob);
                        total[0] += blob.length;
                        if (progress != null) {
                            progress.accept(total[0]);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        s.closed().whenComplete((v, e) -> {
            if (e == null) {
                result.complete(total[0]);
            } else if (e instanceof HttpTransport.StreamFailure f) {
                try {
                    Rpc.answer(f.response());
                } catch (RaftKvException x) {
                    result.completeExceptionally(x);
                }
            } else {
                result.completeExceptionally(new RaftKvException.Unavailable("snapshot from " + endpoint
                        + " failed: " + Rpc.rootMessage(e), e));
            }
        });
        return result;
    }
}
