package raftkv.it;

import java.util.concurrent.CompletableFuture;
import raftkv.server.RaftKvServer;

/**
 * A node deliberately broken for {@link CheckerCatchesStaleReadsIT}: while it is a follower, it answers linearizable
 * reads from its own store without a ReadIndex round, so they can be stale. The fault suite starts nodes with this
 * launcher to prove that its linearizability checker notices. It lives here, with the tests, so that no release
 * build can run a node this way (etcd compiles its failpoints out of release builds for the same reason).
 */
public final class StaleFollowerReadsNode {

    private StaleFollowerReadsNode() {
    }

    public static void main(String[] args) {
        System.exit(RaftKvServer.run(args, node -> node.replaceLinearizableBarrier(() ->
                node.raft().leaderId() == node.raft().memberId() ? node.raft().reads().linearizable()
                        : CompletableFuture.completedFuture(null))));
    }
}
