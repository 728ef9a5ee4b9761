package raftkv.server.ops;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import raftkv.raft.Command;
import raftkv.raft.NodeStatus;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.storage.Alarm;
import raftkv.storage.KvHash;
import raftkv.storage.StoreSnapshot;

/**
 * The maintenance operations both client protocols serve (root only while authentication is on, but for the
 * status, which health checks read as in etcd): status, hashes, alarms, defragment, snapshots and moving
 * the leadership.
 */
public final class MaintenanceOps {

    /** The etcd API version this server speaks, as {@code /version} and gRPC's {@code Status} report it. */
    public static final String ETCD_VERSION = "3.5.0";

    /** What {@code Status} reports of this member. */
    public record Status(long revision, NodeStatus raft, long dbSize, List<Alarm> alarms) {
        public boolean learner() {
            return "LISTENER".equals(raft.role());
        }
    }

    private final Node node;

    public MaintenanceOps(Node node) {
        this.node = node;
    }

    /** This member's view, without asking the leader (as etcd's Status). */
    public Status status() {
        return new Status(node.store().revision(), node.status(), node.dbSize(), node.store().alarms());
    }

    /** The KV hash at a revision (0: current), after a ReadIndex round so that this member is current. */
    public CompletableFuture<KvHash> hash(Credentials who, long revision) {
        if (revision < 0) {
            throw new ApiError.ApiException(ApiError.badRequest(
                    "field \"revision\": must not be negative (0: the current revision)"));
        }
        return asRoot(who, () -> node.store().hash(revision));
    }

    /** The alarms raised anywhere in the cluster; linearizable, as etcd's (which goes through its log). */
    public CompletableFuture<List<Alarm>> alarms(Credentials who) {
        return asRoot(who, () -> node.store().alarms());
    }

    /**
     * Raises or clears an alarm, through the log so that every member agrees; answers the alarms afterwards. Only
     * a member can get an alarm raised; clearing stays allowed, since an alarm may outlive its member's removal.
     */
    public CompletableFuture<List<Alarm>> alarm(Credentials who, long memberId, Alarm.Type type, boolean activate) {
        if (memberId <= 0 || memberId > Integer.MAX_VALUE) {
            throw new ApiError.ApiException(ApiError.badRequest(
                    "field \"memberID\": the member of the alarm is required"));
        }
        if (activate && node.raft().membership().members().stream().noneMatch(m -> m.id() == memberId)) {
            throw new ApiError.ApiException(ApiError.badRequest("field \"memberID\": " + memberId
                    + " is not a member of this cluster"));
        }
        return node.raft().writes().propose(node.guard().root(who, new Command.Alarm((int) memberId, type.name(), activate)))
                .thenApply(v -> node.store().alarms());
    }

    /** Rewrites this member's database into a fresh file (the store is unavailable meanwhile, as in etcd). */
    public CompletableFuture<Long> defragment(Credentials who) {
        return asRoot(who, () -> {
            node.defragment();
            return node.store().revision();
        });
    }

    /**
     * Hands the leadership to the voter {@code target}, as etcd's {@code MoveLeader}: asked of the leader (etcdctl
     * finds it first), it completes once {@code target} leads, with the revision for the response header. Moving it
     * to the leader itself succeeds at once, as in etcd.
     */
    public CompletableFuture<Long> moveLeader(Credentials who, long target) {
        return asRoot(who, () -> null).thenCompose(v -> moveLeader(target));
    }

    private CompletableFuture<Long> moveLeader(long target) {
        if (!node.status().isLeader()) {
            throw failedPrecondition("etcdserver: not leader");
        }
        if (node.raft().membership().members().stream().noneMatch(m -> m.id() == target && !m.learner())) {
            throw failedPrecondition("etcdserver: bad leader transferee");
        }
        if (target == node.raft().memberId()) {
            return CompletableFuture.completedFuture(node.store().revision());
        }
        Duration timeout = Duration.ofMillis(node.config().raft().requestTimeoutMs());
        return node.raft().membership().transferLeadership((int) target, timeout).handle((v, e) -> {
            if (e == null) {
                return node.store().revision();
            }
            Throwable cause = e;
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof TransferLeadershipException t) {
                throw new ApiError.ApiException(ApiError.unavailable(t.getMessage().contains("TIMED_OUT")
                        ? "etcdserver: request timed out, leader transfer took too long"
                        : "raftkv: the leadership could not move: " + t.getMessage()));
            }
            throw new CompletionException(cause);
        });
    }

    private static ApiError.ApiException failedPrecondition(String message) {
        return new ApiError.ApiException(ApiError.failedPrecondition(message));
    }

    /**
     * A consistent snapshot of this member's store, fixed once this member has applied everything committed when it
     * was asked for; writes go on meanwhile. The caller closes it.
     */
    public CompletableFuture<StoreSnapshot> snapshot(Credentials who) {
        return asRoot(who, () -> node.store().openSnapshot());
    }

    /**
     * Runs {@code action} on the work pool once this member is current and the caller is found to be root: checked
     * after the read barrier, so against an auth state no older than the request (a member behind might not have
     * applied the turning on of authentication yet).
     */
    private <T> CompletableFuture<T> asRoot(Credentials who, java.util.function.Supplier<T> action) {
        return node.raft().reads().linearizable().thenApplyAsync(v -> {
            node.guard().checkRoot(who);
            return action.get();
        }, node.work());
    }
}
