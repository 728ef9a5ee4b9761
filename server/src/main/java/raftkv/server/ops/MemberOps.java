package raftkv.server.ops;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.MemberInfo;
import raftkv.server.Node;

/**
 * The membership operations both client protocols serve. The membership is Raft's configuration: a member is added
 * as a learner (it receives the log, by snapshot install if it is far behind, but does not vote) or as a voter,
 * promoted, or removed (the leader too: it steps down once the new configuration commits).
 */
public final class MemberOps {

    /** The membership after a change, and the member it added (null for other changes). */
    public record Change(MemberInfo added, List<MemberInfo> members) {
    }

    private final Node node;

    public MemberOps(Node node) {
        this.node = node;
    }

    /** The members, after a ReadIndex round. */
    public CompletableFuture<List<MemberInfo>> list() {
        return node.raft().readBarrier().thenApply(v -> node.raft().members());
    }

    /**
     * Adds a member reached for Raft at {@code peerUrl} (http://host:port) and by clients at {@code clientUrl}
     * (may be empty); {@code id} 0 takes the next free id.
     */
    public CompletableFuture<Change> add(String peerUrl, String clientUrl, boolean learner, long id) {
        String raft = peerUrl.replaceFirst("^https?://", "");
        if (!raft.matches("[^:/]+:\\d{1,5}")) {
            throw new ApiError.ApiException(ApiError.badRequest("field \"peerURLs\": '" + peerUrl
                    + "' is not http://host:port"));
        }
        if (id < 0 || id > Integer.MAX_VALUE) {
            throw new ApiError.ApiException(ApiError.badRequest("field \"ID\": member ids are 1 to "
                    + Integer.MAX_VALUE));
        }
        int[] added = {0};
        return node.raft().reconfigure(members -> {
            int chosen = id > 0 ? (int) id : members.stream().mapToInt(MemberInfo::id).max().orElse(0) + 1;
            for (MemberInfo m : members) {
                if (m.id() == chosen) {
                    throw failedPrecondition("etcdserver: ID exists");
                }
                if (m.raftAddress().equals(raft)) {
                    throw failedPrecondition("etcdserver: Peer URLs already exists");
                }
            }
            added[0] = chosen;
            List<MemberInfo> next = new ArrayList<>(members);
            next.add(new MemberInfo(chosen, raft, clientUrl, learner));
            return next;
        }).thenApply(members -> new Change(members.stream().filter(m -> m.id() == added[0]).findFirst()
                .orElse(null), members));
    }

    public CompletableFuture<Change> remove(long id) {
        return node.raft().reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>(members);
            if (!next.removeIf(m -> m.id() == id)) {
                throw notFound(id);
            }
            if (next.stream().noneMatch(m -> !m.learner())) {
                throw new ApiError.ApiException(ApiError.badRequest("cannot remove the last voting member"));
            }
            return next;
        }).thenApply(members -> new Change(null, members));
    }

    public CompletableFuture<Change> promote(long id) {
        MemberInfo m = node.raft().members().stream().filter(x -> x.id() == id).findFirst()
                .orElseThrow(() -> notFound(id));
        if (!m.learner()) {
            throw failedPrecondition("etcdserver: can only promote a learner member");
        }
        return node.raft().promote((int) id).thenApply(members -> new Change(null, members));
    }

    private static ApiError.ApiException failedPrecondition(String message) {
        return new ApiError.ApiException(new ApiError(HttpResponseStatus.BAD_REQUEST, ApiError.FAILED_PRECONDITION,
                message));
    }

    private static ApiError.ApiException notFound(long id) {
        return new ApiError.ApiException(new ApiError(HttpResponseStatus.NOT_FOUND, ApiError.NOT_FOUND,
                "etcdserver: member not found: " + id));
    }
}
