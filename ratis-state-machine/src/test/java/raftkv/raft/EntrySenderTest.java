package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.api.BlockingApi;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import raftkv.storage.ErrorCode;
import raftkv.storage.StorageException;

/**
 * The sender's rules, against a fake Raft server and a fake Ratis client: where an entry goes (its own server while
 * it leads, the client otherwise, never the client for a leader-only entry), when a reply answers the proposals
 * (and raises the answered index) and when they wait for the local apply, and what a refused send does.
 */
class EntrySenderTest {

    private static final RaftGroupId GROUP = RaftGroupId.randomId();
    private static final RaftGroupMemberId SELF = RaftGroupMemberId.valueOf(Ratis.peerId(1), GROUP);

    private final MetricRegistry registry = new MetricRegistry();
    private final RaftMetrics metrics = new RaftMetrics(registry);
    private final PendingProposals pending = new PendingProposals(metrics.proposeToOutcome);
    private final Leadership leadership = new Leadership(() -> 0);
    /** What the fake server and client were sent: "server" or "client", one per send. */
    private final ConcurrentLinkedQueue<String> route = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> serverCallIds = new ConcurrentLinkedQueue<>();
    private final AtomicInteger commitIndexAsked = new AtomicInteger();
    /** How the fake server answers a request; how the fake client answers a message. */
    private Function<RaftClientRequest, CompletableFuture<RaftClientReply>> serverAnswers;
    private Function<Message, RaftClientReply> clientAnswers;
    private EntrySender sender;

    @AfterEach
    void close() {
        if (sender != null) {
            sender.close();
        }
    }

    private EntrySender sender(Duration timeout) {
        RaftServer server = (RaftServer) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RaftServer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("submitClientRequestAsync")) {
                        RaftClientRequest request = (RaftClientRequest) args[0];
                        route.add("server");
                        serverCallIds.add(request.getCallId());
                        assertTrue(request.is(RaftClientRequestProto.TypeCase.WRITE));
                        return serverAnswers.apply(request);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        BlockingApi io = (BlockingApi) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BlockingApi.class}, (proxy, method, args) -> {
                    if (method.getName().equals("send") && args.length == 1) {
                        route.add("client");
                        return clientAnswers.apply((Message) args[0]);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        RaftClient client = (RaftClient) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RaftClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("io")) {
                        return io;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        sender = new EntrySender(server, GROUP, Ratis.peerId(1), client, leadership, pending, metrics, timeout, 2,
                commitIndexAsked::incrementAndGet);
        return sender;
    }

    private static RaftClientReply reply(long logIndex, List<ApplyOutcome> outcomes) {
        var b = RaftClientReply.newBuilder().setClientId(ClientId.randomId()).setServerId(SELF).setCallId(1)
                .setSuccess().setLogIndex(logIndex);
        if (outcomes != null) {
            b.setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(ResultCodec.encode(outcomes))));
        }
        return b.build();
    }

    private static RaftClientReply failed(RaftException e) {
        return RaftClientReply.newBuilder().setClientId(ClientId.randomId()).setServerId(SELF).setCallId(1)
                .setException(e).build();
    }

    private long[] register(List<CompletableFuture<CommandResult>> futures, int n) {
        long[] seqs = new long[n];
        for (int i = 0; i < n; i++) {
            CompletableFuture<CommandResult> f = new CompletableFuture<>();
            futures.add(f);
            seqs[i] = pending.register(f);
        }
        return seqs;
    }

    private byte[] entry(long[] seqs) {
        // The sender never looks inside the commands; one placeholder per proposal keeps the entry well formed.
        List<byte[]> commands = new java.util.ArrayList<>();
        for (int i = 0; i < seqs.length; i++) {
            commands.add(new byte[] {0});
        }
        return EntryCodec.encodeEntry(pending.proposer(), seqs, commands);
    }

    @Test
    void theLeaderSendsIntoItsOwnServerWithAFreshCallIdEachTime() throws Exception {
        leadership.leaderChanged(true, 3);
        serverAnswers = r -> CompletableFuture.completedFuture(reply(10, null));
        EntrySender s = sender(Duration.ofSeconds(5));
        s.submit(entry(new long[0]), new long[0]).get(5, TimeUnit.SECONDS);
        s.submit(entry(new long[0]), new long[0]).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("server", "server"), List.copyOf(route));
        assertEquals(2, serverCallIds.stream().distinct().count(), "a resend under the same call id would be"
                + " taken from the retry cache; two entries need two ids");
    }

    @Test
    void aFollowerForwardsAndTheLeadersOutcomesAnswerItsClientsAtOnce() throws Exception {
        clientAnswers = m -> reply(42, List.of(
                new ApplyOutcome.Applied(new CommandResult(7, null)),
                new ApplyOutcome.Refused(new StorageException(ErrorCode.COMPACTED, "compacted"))));
        EntrySender s = sender(Duration.ofSeconds(5));
        List<CompletableFuture<CommandResult>> clients = new java.util.ArrayList<>();
        long[] seqs = register(clients, 2);
        s.submit(entry(seqs), seqs).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("client"), List.copyOf(route));
        assertEquals(7, clients.get(0).getNow(null).revision());
        var refused = assertThrows(ExecutionException.class, () -> clients.get(1).get(0, TimeUnit.SECONDS));
        assertEquals(ErrorCode.COMPACTED, assertInstanceOf(StorageException.class, refused.getCause()).code());
        assertEquals(42, s.answeredIndex(), "a serializable read after the answer must wait for entry 42");
        assertEquals(2, metrics.answeredByLeader.getCount());
        assertEquals(0, commitIndexAsked.get(), "everything was answered: no read round needed");
        assertEquals(0, pending.size());
    }

    @Test
    void anOutcomeTheLeaderKeepsLocalLeavesThatClientToTheLocalApplyAndAsksForTheCommitIndex() throws Exception {
        clientAnswers = m -> reply(43, List.of(new ApplyOutcome.Applied(new CommandResult(8, null)),
                ApplyOutcome.LOCAL));
        EntrySender s = sender(Duration.ofSeconds(5));
        List<CompletableFuture<CommandResult>> clients = new java.util.ArrayList<>();
        long[] seqs = register(clients, 2);
        s.submit(entry(seqs), seqs).get(5, TimeUnit.SECONDS);
        assertEquals(8, clients.get(0).getNow(null).revision());
        assertFalse(clients.get(1).isDone(), "the alarm's answer comes from this member's own apply");
        assertEquals(1, pending.size());
        assertEquals(1, commitIndexAsked.get(), "a follower waiting for its own apply asks for the commit index");
    }

    @Test
    void anAnswerThatDoesNotFitTheEntryIsIgnored() throws Exception {
        EntrySender s = sender(Duration.ofSeconds(5));
        List<CompletableFuture<CommandResult>> clients = new java.util.ArrayList<>();
        long[] seqs = register(clients, 2);
        clientAnswers = m -> reply(44, List.of(new ApplyOutcome.Applied(new CommandResult(9, null))));
        s.submit(entry(seqs), seqs).get(5, TimeUnit.SECONDS);
        clientAnswers = m -> RaftClientReply.newBuilder().setClientId(ClientId.randomId()).setServerId(SELF)
                .setCallId(1).setSuccess().setLogIndex(45)
                .setMessage(Message.valueOf("not outcomes")).build();
        s.submit(entry(seqs), seqs).get(5, TimeUnit.SECONDS);
        assertTrue(clients.stream().noneMatch(CompletableFuture::isDone), "one outcome for two proposals, or bytes"
                + " that do not decode, answer nobody");
        assertEquals(0, s.answeredIndex());
        assertEquals(2, commitIndexAsked.get());
    }

    @Test
    void aLeaderNotReadyYetHandsTheEntryToTheClient() throws Exception {
        leadership.leaderChanged(true, 4);
        serverAnswers = r -> CompletableFuture.completedFuture(failed(new LeaderNotReadyException(SELF)));
        clientAnswers = m -> reply(50, null);
        EntrySender s = sender(Duration.ofSeconds(5));
        assertEquals(50, ((RaftClientReply) s.submit(entry(new long[0]), new long[0]).get(5, TimeUnit.SECONDS))
                .getLogIndex());
        assertEquals(List.of("server", "client"), List.copyOf(route));
    }

    @Test
    void aDirectSendRefusedOtherwiseIsNotResent() {
        leadership.leaderChanged(true, 4);
        NotLeaderException notLeader = new NotLeaderException(SELF, null, List.of());
        serverAnswers = r -> CompletableFuture.completedFuture(failed(notLeader));
        clientAnswers = m -> {
            throw new AssertionError("the entry may be in the log already: a resend could apply it twice");
        };
        EntrySender s = sender(Duration.ofSeconds(5));
        var e = assertThrows(ExecutionException.class, () -> s.submit(entry(new long[0]), new long[0])
                .get(5, TimeUnit.SECONDS));
        assertSame(notLeader, e.getCause());
        assertEquals(List.of("server"), List.copyOf(route));
    }

    @Test
    void aLeaderOnlyEntryIsDroppedOnAFollowerAndNeverForwarded() {
        clientAnswers = m -> {
            throw new AssertionError("a lease expiry must never reach another leader");
        };
        EntrySender s = sender(Duration.ofSeconds(5));
        var e = assertThrows(ExecutionException.class, () -> s.submitAsLeader(entry(new long[0]), new long[0])
                .get(5, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
        assertTrue(route.isEmpty());
        leadership.steppedDown(4);
    }

    @Test
    void aServerThatNeverAnswersFailsTheSendAtTheTimeout() {
        leadership.leaderChanged(true, 5);
        serverAnswers = r -> new CompletableFuture<>();
        EntrySender s = sender(Duration.ofMillis(200));
        var e = assertThrows(ExecutionException.class, () -> s.submit(entry(new long[0]), new long[0])
                .get(5, TimeUnit.SECONDS));
        assertTrue(String.valueOf(e.getCause()).contains("no answer from the Raft server"), String.valueOf(e));
    }
}
