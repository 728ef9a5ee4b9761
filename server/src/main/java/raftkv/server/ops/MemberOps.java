package raftkv.server.ops;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.MemberInfo;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;

/**
 * The membership operations both client protocols serve. The membership is Raft's configuration: a member is added
 * as a learner (it receives the log, by snapshot install if it is far behind, but does not vote) or as a voter,
 * promoted, or removed (the leader too: it steps down once the new configuration commits). Changes need root while
 * authentication is on; the list does not, as in etcd (clients read it to find the members).
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
        return node.raft().reads().linearizable().thenApply(v -> node.raft().membership().members());
    }

    /**
     * Adds a member reached for Raft at {@code peerUrl} (http://host:port) and by clients at {@code clientUrl}
     * (may be empty); {@code id} 0 takes the next free id. The member must be running already (see {@link
     * #answers}).
     */
    public CompletableFuture<Change> add(Credentials who, String peerUrl, String clientUrl, boolean learner, long id) {
        return asRoot(who).thenCompose(v -> add(peerUrl, clientUrl, learner, id));
    }

    private CompletableFuture<Change> add(String peerUrl, String clientUrl, boolean learner, long id) {
        String raft = raftAddress(peerUrl);
        if (id < 0 || id > Integer.MAX_VALUE) {
            throw new ApiError.ApiException(ApiError.badRequest("field \"ID\": member ids are 1 to "
                    + Integer.MAX_VALUE));
        }
        int[] added = {0};
        return answers(raft, peerUrl).thenCompose(v -> node.raft().membership().reconfigure(members -> {
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
        })).thenApply(members -> new Change(members.stream().filter(m -> m.id() == added[0]).findFirst()
                .orElse(null), members));
    }

    /** How long a new member's Raft port may take to accept a connection. */
    private static final int ANSWER_MS = 1_000;

    /**
     * Completes when something accepts connections at a new member's Raft address; else fails at once, saying so.
     * Ratis takes a member into the configuration only once it has caught up, so adding one that is not running yet
     * (etcd's order: add, then start) would hold every configuration change for minutes while the Ratis client
     * retries, and fail anyway. A URL a member has is refused as etcd does, whether or not that member is up.
     */
    private CompletableFuture<Void> answers(String raft, String peerUrl) {
        return CompletableFuture.runAsync(() -> {
            if (node.raft().membership().members().stream().anyMatch(m -> m.raftAddress().equals(raft))) {
                throw failedPrecondition("etcdserver: Peer URLs already exists");
            }
            int colon = raft.lastIndexOf(':');
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(raft.substring(0, colon),
                        Integer.parseInt(raft.substring(colon + 1))), ANSWER_MS);
            } catch (IOException | IllegalArgumentException e) {
                throw failedPrecondition("raftkv: no member answers at " + peerUrl + " (" + e.getMessage()
                        + "): start the new member (joining) before adding it; raftkv takes a member in once it"
                        + " has caught up");
            }
        }, node.work());
    }

    public CompletableFuture<Change> remove(Credentials who, long id) {
        return asRoot(who).thenCompose(v -> remove(id));
    }

    private CompletableFuture<Change> remove(long id) {
        return node.raft().membership().reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>(members);
            if (!next.removeIf(m -> m.id() == id)) {
                throw notFound();
            }
            if (next.stream().noneMatch(m -> !m.learner())) {
                throw new ApiError.ApiException(ApiError.badRequest("cannot remove the last voting member"));
            }
            return next;
        }).thenApply(members -> new Change(null, members));
    }

    public CompletableFuture<Change> promote(Credentials who, long id) {
        return asRoot(who).thenCompose(v -> promote(id));
    }

    private CompletableFuture<Change> promote(long id) {
        MemberInfo m = node.raft().membership().members().stream().filter(x -> x.id() == id).findFirst()
                .orElseThrow(MemberOps::notFound);
        if (!m.learner()) {
            throw failedPrecondition("etcdserver: can only promote a learner member");
        }
        return node.raft().membership().promote((int) id).thenApply(members -> new Change(null, members));
    }

    /**
     * Changes a member's peer URL, as etcd's {@code MemberUpdate}: only to the URL it has. Ratis keeps a connection
     * per member id and would not follow an address changed under it, and the member itself listens where its own
     * configuration says; moving a member is removing it and adding it back (it then receives a snapshot).
     */
    public CompletableFuture<Change> update(Credentials who, long id, String peerUrl) {
        return asRoot(who).thenCompose(v -> update(id, peerUrl));
    }

    /**
     * Completes once this member is current and the caller is found to be root: checked after the read barrier,
     * so against an auth state no older than the request. Membership changes go through Ratis' configuration, not
     * the key-value log, so this is their only check.
     */
    private CompletableFuture<Void> asRoot(Credentials who) {
        return node.raft().reads().linearizable().thenRunAsync(() -> node.guard().checkRoot(who), node.work());
    }

    private CompletableFuture<Change> update(long id, String peerUrl) {
        String raft = raftAddress(peerUrl);
        return node.raft().reads().linearizable().thenApply(v -> {
            List<MemberInfo> members = node.raft().membership().members();
            MemberInfo member = members.stream().filter(m -> m.id() == id).findFirst()
                    .orElseThrow(MemberOps::notFound);
            if (members.stream().anyMatch(m -> m.id() != id && m.raftAddress().equals(raft))) {
                throw failedPrecondition("etcdserver: Peer URLs already exists");
            }
            if (!member.raftAddress().equals(raft)) {
                throw new ApiError.ApiException(ApiError.unimplemented("raftkv: a member's peer URL cannot be"
                        + " changed (member " + id + " is at http://" + member.raftAddress() + "): remove the member"
                        + " and add it back with the new URL"));
            }
            return new Change(null, members);
        });
    }

    /** The Raft address (host:port) of a peer URL, or INVALID_ARGUMENT naming the field. */
    private static String raftAddress(String peerUrl) {
        String raft = peerUrl.replaceFirst("^https?://", "");
        if (!raft.matches("[^:/]+:\\d{1,5}")) {
            throw new ApiError.ApiException(ApiError.badRequest("field \"peerURLs\": '" + peerUrl
                    + "' is not http://host:port"));
        }
        return raft;
    }

    private static ApiError.ApiException failedPrecondition(String message) {
        return new ApiError.ApiException(ApiError.failedPrecondition(message));
    }

    private static ApiError.ApiException notFound() {
        return new ApiError.ApiException(new ApiError(HttpResponseStatus.NOT_FOUND, ApiError.NOT_FOUND,
                "etcdserver: member not found")); // etcd's exact words, which its clients match
    }
}
