package raftkv.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.TransferLeadershipRequest;
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

    /**
     * Changes the membership: {@code change} maps the current members (as this member sees them once it is current)
     * to the new ones. Runs Ratis' configuration change, which catches new voters up before they count.
     */
    public CompletableFuture<List<MemberInfo>> reconfigure(UnaryOperator<List<MemberInfo>> change) {
        return current.get().thenApplyAsync(v -> {
            List<MemberInfo> next = change.apply(members());
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
            log.info("membership changed: voters {}, learners {}", voters, learners);
            return next;
        }, changes);
    }

    /**
     * Promotes a learner to a voter. Ratis 3.3 keeps a promoted listener "initializing" (it never marks it caught up,
     * so the member stays STARTING and refuses linearizable reads), so the promotion takes it out of the
     * configuration and adds it back as a voter: Ratis then stages it like any new voter, which marks it caught up.
     * It keeps its log and state meanwhile, so the second step costs only what it missed.
     */
    public CompletableFuture<List<MemberInfo>> promote(int id) {
        MemberInfo[] learner = {null};
        return reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>();
            for (MemberInfo m : members) {
                if (m.id() == id && m.learner()) {
                    learner[0] = m;
                } else {
                    next.add(m);
                }
            }
            if (learner[0] == null) {
                throw new IllegalArgumentException("member " + id + " is not a learner");
            }
            return next;
        }).thenCompose(without -> reconfigure(members -> {
            List<MemberInfo> next = new ArrayList<>(members);
            next.add(new MemberInfo(id, learner[0].raftAddress(), learner[0].clientUrl(), false));
            return next;
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
