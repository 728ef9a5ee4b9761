package raftkv.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.ReconfigurationTimeoutException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;

/**
 * Who is in the cluster, and changes to it: the members as the Raft configuration records them (with their client
 * URLs: see {@link #peer}), adding, promoting and removing members through Ratis' configuration change, and handing
 * leadership to another member. Configuration changes block on a Ratis client for up to seconds (minutes, while
 * no leader answers), so they run one at a time on this class's own {@code raftkv-membership} thread, never on a
 * request thread or a proposer; a leadership transfer takes Ratis' server lock to start, on a thread of its own,
 * {@code raftkv-leader-transfer}, so that it never waits behind a configuration change (the RATIS-2605 handover
 * may be what that change needs to go through). Callers get futures.
 */
public final class Membership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Membership.class);

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final int selfId;
    private final RaftClient client;
    /** A linearizable read barrier: a change starts from the current configuration. */
    private final Supplier<CompletableFuture<Void>> current;
    private final ExecutorService changes = java.util.concurrent.Executors.newSingleThreadExecutor(
            Threads.daemon("raftkv-membership"));
    private final ExecutorService transfers = java.util.concurrent.Executors.newSingleThreadExecutor(
            Threads.daemon("raftkv-leader-transfer"));

    Membership(RaftServer server, RaftGroupId groupId, int selfId, RaftClient client,
               Supplier<CompletableFuture<Void>> current) {
        this.server = server;
        this.groupId = groupId;
        this.selfId = selfId;
        this.client = client;
        this.current = current;
    }

    /** The Raft group of a cluster: its id comes from the cluster's name, so every member derives the same one. */
    static RaftGroup groupOf(RaftNodeOptions o) {
        UUID uuid = UUID.nameUUIDFromBytes(("raftkv:" + o.clusterName()).getBytes(StandardCharsets.UTF_8));
        List<RaftPeer> peers = new ArrayList<>();
        for (RaftNodeOptions.Peer p : o.peers()) {
            peers.add(peer(p.id(), p.raftAddress(), p.clientUrl(), false));
        }
        return RaftGroup.valueOf(RaftGroupId.valueOf(uuid), peers);
    }

    /**
     * The group a joining member starts in: itself alone, as a listener. It knows no peers (the leader brings it the
     * configuration when it is added), and as a listener Ratis runs no elections for it until a configuration names
     * it a voter. Started as an empty follower instead, a member being added under heavy writes campaigned between
     * snapshot installs, found itself in no configuration, and Ratis shut its server down.
     */
    static RaftGroup joiningGroup(RaftGroup group, int selfId) {
        RaftPeer self = group.getPeer(Ratis.peerId(selfId));
        if (self == null) {
            return RaftGroup.valueOf(group.getGroupId());
        }
        return RaftGroup.valueOf(group.getGroupId(), RaftPeer.newBuilder(self)
                .setStartupRole(RaftPeerRole.LISTENER).build());
    }

    /**
     * A member as the Raft configuration records it. The client URL travels in the peer's data-stream address: Ratis
     * persists and replicates it with the configuration, and never uses it while its DataStream transport is off
     * (it is here), so members added at runtime need no other bookkeeping.
     */
    static RaftPeer peer(int id, String raftAddress, String clientUrl, boolean learner) {
        return RaftPeer.newBuilder().setId(Ratis.peerId(id)).setAddress(raftAddress)
                .setDataStreamAddress(clientUrl.replaceFirst("^https?://", ""))
                .setStartupRole(learner ? RaftPeerRole.LISTENER : RaftPeerRole.FOLLOWER)
                .build();
    }

    private static MemberInfo info(RaftPeer p, boolean learner) {
        String client = p.getDataStreamAddress();
        return new MemberInfo(Ratis.memberIdOf(p.getId()), p.getAddress(),
                client == null || client.isEmpty() ? "" : "http://" + client, learner);
    }

    /** The members in this member's view of the current configuration: voters first, then learners. */
    public List<MemberInfo> members() {
        try {
            var conf = server.getDivision(groupId).getRaftConf();
            List<MemberInfo> out = new ArrayList<>();
            for (RaftPeer p : conf.getCurrentPeers()) {
                out.add(info(p, false));
            }
            for (RaftPeer p : conf.getCurrentPeers(RaftPeerRole.LISTENER)) {
                out.add(info(p, true));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How long a configuration change keeps trying through a leader change or a change still in progress. */
    static final Duration CHANGE_DEADLINE = Duration.ofSeconds(60);
    private static final long CHANGE_RETRY_PAUSE_MS = 250;

    /**
     * Changes the membership: {@code change} maps the current members (as this member sees them once it is current)
     * to the new ones. Runs Ratis' configuration change, which catches new voters up before they count.
     *
     * <p>A change that fails for a reason that passes (no leader yet, the leader just died, another change still
     * in progress: Ratis' client gives up on those after its own retries) is tried again until {@link
     * #CHANGE_DEADLINE}, from the configuration as it then is: if it already holds the wanted members, the failed
     * attempt went through after all and the change is done; otherwise {@code change} is applied again, so it must
     * map a configuration to the same outcome every time (and refuse one where it no longer applies).
     */
    public CompletableFuture<List<MemberInfo>> reconfigure(UnaryOperator<List<MemberInfo>> change) {
        return CompletableFuture.supplyAsync(() -> changeFrom(change), changes);
    }

    private List<MemberInfo> changeFrom(UnaryOperator<List<MemberInfo>> change) {
        long deadline = System.nanoTime() + CHANGE_DEADLINE.toNanos();
        firstBarrier(deadline);
        List<MemberInfo> now = members();
        List<MemberInfo> next = change.apply(now);
        for (int attempt = 1; ; attempt++) {
            if (sameMembers(now, next)) {
                return next; // nothing to change, or an attempt that seemed to fail went through
            }
            try {
                setConfiguration(next);
                log.info("membership changed: {}", next);
                return next;
            } catch (CompletionException e) {
                if (!passes(e) || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                log.warn("membership change to {} failed (attempt {}: {}); trying again", next, attempt,
                        e.getCause() != null ? e.getCause().toString() : e.toString());
            }
            pause();
            awaitCurrent(deadline);
            List<MemberInfo> wanted = next;
            now = members();
            if (sameMembers(now, wanted)) {
                log.info("membership changed: {} (the failed attempt went through)", wanted);
                return wanted;
            }
            next = change.apply(now);
        }
    }

    private void setConfiguration(List<MemberInfo> next) {
        List<RaftPeer> voters = new ArrayList<>();
        List<RaftPeer> learners = new ArrayList<>();
        for (MemberInfo m : next) {
            (m.learner() ? learners : voters).add(peer(m.id(), m.raftAddress(), m.clientUrl(), m.learner()));
        }
        try {
            Ratis.checkReply(client.admin().setConfiguration(voters, learners));
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    /** Whether a failed change is worth trying again: Ratis' transient refusals, not a configuration it rejects. */
    static boolean passes(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RaftRetryFailureException || c instanceof ReconfigurationInProgressException
                    || c instanceof ReconfigurationTimeoutException || c instanceof LeaderNotReadyException
                    || c instanceof NotLeaderException || c instanceof LeaderSteppingDownException
                    || c instanceof TimeoutIOException) {
                return true;
            }
        }
        return false;
    }

    private static void pause() {
        try {
            Thread.sleep(CHANGE_RETRY_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        }
    }

    /**
     * Waits for a read barrier before the first attempt, trying again until {@code deadline}: right after the
     * leader's death no barrier passes until a new leader is elected, which on a loaded machine takes longer than
     * one read's timeout (seen: a promotion asked of a follower as the leader died failed after 20 s). Without a
     * barrier the change is refused: a change computed from a stale configuration could undo another.
     */
    private void firstBarrier(long deadline) {
        for (Throwable failure; (failure = barrierFailure(deadline)) != null; pause()) {
            if (System.nanoTime() - deadline > 0) {
                throw new CompletionException("this member could not read the current configuration within "
                        + CHANGE_DEADLINE.toSeconds() + " s (is there a leader?)", failure);
            }
            log.warn("no read barrier before a membership change ({}); trying again", failure.toString());
        }
    }

    /** Waits for the read barrier, so that the next attempt starts from the configuration as the leader has it. */
    private void awaitCurrent(long deadline) {
        // No barrier in time: go on from this member's view; the next attempt fails if it is stale.
        barrierFailure(deadline);
    }

    /** Waits for one read barrier, until {@code deadline} at most; null once it passed, else why it did not. */
    private Throwable barrierFailure(long deadline) {
        try {
            current.get().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        } catch (ExecutionException e) {
            return e.getCause() != null ? e.getCause() : e;
        } catch (java.util.concurrent.TimeoutException e) {
            return e;
        }
    }

    static boolean sameMembers(List<MemberInfo> a, List<MemberInfo> b) {
        return a.size() == b.size() && new HashSet<>(a).equals(new HashSet<>(b));
    }

    /**
     * Promotes a learner to a voter. Ratis 3.3 keeps a promoted listener "initializing" (it never marks it caught up,
     * so the member stays STARTING and refuses linearizable reads), so the promotion takes it out of the
     * configuration and adds it back as a voter: Ratis then stages it like any new voter, which marks it caught up.
     * It keeps its log and state meanwhile, so the second step costs only what it missed. Each step is written to
     * be applied again (see {@link #reconfigure}): the first finds the member gone once it went through, the second
     * finds it a voter; a second step that still fails leaves the member out, and the error says how to bring it
     * back.
     */
    public CompletableFuture<List<MemberInfo>> promote(int id) {
        MemberInfo[] learner = {null};
        return reconfigure(members -> {
            if (learner[0] != null && members.stream().noneMatch(m -> m.id() == id)) {
                return members; // taken out by an attempt that seemed to fail
            }
            List<MemberInfo> next = new ArrayList<>();
            for (MemberInfo m : members) {
                if (m.id() == id && m.learner()) {
                    learner[0] = m;
                } else if (m.id() == id) {
                    throw new IllegalArgumentException("member " + id + " is not a learner");
                } else {
                    next.add(m);
                }
            }
            if (learner[0] == null) {
                throw new IllegalArgumentException("member " + id + " is not a learner");
            }
            return next;
        }).thenCompose(without -> reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>();
            for (MemberInfo m : members) {
                if (m.id() != id) {
                    next.add(m);
                }
            }
            next.add(new MemberInfo(id, learner[0].raftAddress(), learner[0].clientUrl(), false));
            return next;
        }).exceptionally(e -> {
            log.error("member {} was taken out of the configuration to be promoted, but adding it back as a voter"
                    + " failed: add it again (member add, with its peer URL {}), it keeps its data", id,
                    learner[0].raftAddress(), e);
            throw e instanceof CompletionException c ? c : new CompletionException(e);
        }));
    }

    /**
     * Hands this member's leadership to the voter {@code target}, straight into this member's Raft server (which
     * must lead): Ratis catches the target up, has it campaign, and completes once it leads, or fails with its
     * {@code TransferLeadershipException} after {@code timeout}. Client requests wait meanwhile, as in etcd.
     */
    public CompletableFuture<Void> transferLeadership(int target, Duration timeout) {
        var request = new TransferLeadershipRequest(ClientId.randomId(), Ratis.peerId(selfId), groupId, 0,
                Ratis.peerId(target), timeout.toMillis());
        // The server takes its own lock to start the transfer: not on the caller's thread.
        return CompletableFuture.supplyAsync(() -> {
            try {
                return server.transferLeadershipAsync(request);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, transfers).thenCompose(f -> f).thenApply(reply -> {
            Ratis.checkReply(reply);
            return null;
        });
    }

    @Override
    public void close() {
        changes.shutdownNow();
        transfers.shutdownNow();
    }
}
