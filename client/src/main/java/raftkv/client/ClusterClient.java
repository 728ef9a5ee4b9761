package raftkv.client;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Membership: list, add (as a learner or a voter), remove, promote. Changes are never retried blindly. */
public final class ClusterClient {

    private final Rpc rpc;

    ClusterClient(Rpc rpc) {
        this.rpc = rpc;
    }

    public CompletableFuture<List<Member>> list() {
        return rpc.call("/v3/cluster/member/list", Rpc.object(), Rpc.Safety.SAFE, n -> Member.list(n.path("members")));
    }

    /** Adds a member reachable for Raft at {@code peerUrl}; completes with the new member. */
    public CompletableFuture<Member> add(String peerUrl, boolean learner) {
        var body = Rpc.object().put("isLearner", learner);
        body.putArray("peerURLs").add(peerUrl);
        return rpc.call("/v3/cluster/member/add", body, Rpc.Safety.UNSAFE, n -> Member.of(n.path("member")));
    }

    public CompletableFuture<List<Member>> remove(long memberId) {
        return rpc.call("/v3/cluster/member/remove", Rpc.object().put("ID", Long.toString(memberId)),
                Rpc.Safety.UNSAFE, n -> Member.list(n.path("members")));
    }

    public CompletableFuture<List<Member>> promote(long memberId) {
        return rpc.call("/v3/cluster/member/promote", Rpc.object().put("ID", Long.toString(memberId)),
                Rpc.Safety.UNSAFE, n -> Member.list(n.path("members")));
    }
}
