package raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import raftkv.client.Rpc.Safety;
import raftkv.client.transport.HttpTransport;

/**
 * Which failures {@link Rpc} retries on another endpoint, which it reports, and which it reports as
 * {@link RaftKvException.OutcomeUnknown}, as one table (in the manner of etcd's client retry tests). The cluster is
 * two {@link FakeNode}s on loopback ports: the first endpoint (the one tried first) misbehaves as the row says, the
 * second answers every request with 200. A retry is seen as the second node receiving the request.
 */
class RpcTest {

    /** What the first endpoint does. */
    enum Fault {
        /** Nothing listens: the connection is refused, the request never left the client. */
        CONNECTION_REFUSED(null),
        /** The request is read and never answered; the attempt's timer ends it. */
        TIMEOUT_AFTER_SEND(new FakeNode.Hang()),
        /** The request is read and the connection closed without an answer (a crash mid-request). */
        CLOSED_AFTER_SEND(new FakeNode.Drop()),
        /** What a member says when Ratis found no leader for the proposal (NotLeaderException, via ApiError.of). */
        HTTP_503_NOT_LEADER(error(503, 14, "etcdserver: not leader, try again")),
        /** The member gave up waiting for the outcome (its request timeout). */
        HTTP_503_REQUEST_TIMED_OUT(error(503, 14, "etcdserver: request timed out")),
        HTTP_500_INTERNAL(error(500, 13, "etcdserver: internal error")),
        HTTP_400_INVALID_ARGUMENT(error(400, 3, "etcdserver: key is not provided")),
        /** Maintenance calls only a leader may serve answer this way (FAILED_PRECONDITION, not a 503). */
        HTTP_400_FAILED_PRECONDITION(error(400, 9, "etcdserver: not leader")),
        HTTP_400_COMPACTED(error(400, 11, "etcdserver: mvcc: required revision has been compacted")),
        HTTP_404_LEASE_NOT_FOUND(error(404, 5, "etcdserver: requested lease not found")),
        HTTP_429_NO_SPACE(error(429, 8, "etcdserver: mvcc: database space exceeded")),
        /** A well-formed 200 the caller's parser rejects. */
        HTTP_200_UNEXPECTED_SHAPE(new FakeNode.Reply(200, "{\"unexpected\":true}"));

        final FakeNode.Action action;

        Fault(FakeNode.Action action) {
            this.action = action;
        }
    }

    enum Outcome {
        /** Served by the other endpoint: the caller sees the success. */
        RETRIED_ELSEWHERE,
        /** Reported as the given exception, the other endpoint never asked. */
        ERROR,
        /** Reported as OutcomeUnknown, the other endpoint never asked: a write is never resent blindly. */
        OUTCOME_UNKNOWN
    }

    private static final Class<? extends Throwable> NONE = null;

    /**
     * The rules, from Rpc.attempt, RaftKvException.of and HttpTransport: a read (SAFE: range, keepalive, status,
     * read-only txn) is retried after any transport failure and any 5xx/code-14 answer; a write (UNSAFE: put, delete,
     * txn with writes, compaction, lease grant/revoke, member and alarm changes) only when the connection could not
     * be made. Every other answer is final, for both.
     */
    static Stream<Arguments> table() {
        return Stream.of(
                row(Safety.SAFE, Fault.CONNECTION_REFUSED, Outcome.RETRIED_ELSEWHERE, NONE),
                row(Safety.SAFE, Fault.TIMEOUT_AFTER_SEND, Outcome.RETRIED_ELSEWHERE, NONE),
                row(Safety.SAFE, Fault.CLOSED_AFTER_SEND, Outcome.RETRIED_ELSEWHERE, NONE),
                row(Safety.SAFE, Fault.HTTP_503_NOT_LEADER, Outcome.RETRIED_ELSEWHERE, NONE),
                row(Safety.SAFE, Fault.HTTP_503_REQUEST_TIMED_OUT, Outcome.RETRIED_ELSEWHERE, NONE),
                row(Safety.SAFE, Fault.HTTP_500_INTERNAL, Outcome.RETRIED_ELSEWHERE, NONE),
                row(Safety.SAFE, Fault.HTTP_400_INVALID_ARGUMENT, Outcome.ERROR, RaftKvException.InvalidArgument.class),
                row(Safety.SAFE, Fault.HTTP_400_FAILED_PRECONDITION, Outcome.ERROR,
                        RaftKvException.InvalidArgument.class),
                row(Safety.SAFE, Fault.HTTP_400_COMPACTED, Outcome.ERROR, RaftKvException.Compacted.class),
                row(Safety.SAFE, Fault.HTTP_404_LEASE_NOT_FOUND, Outcome.ERROR, RaftKvException.LeaseNotFound.class),
                row(Safety.SAFE, Fault.HTTP_429_NO_SPACE, Outcome.ERROR, RaftKvException.NoSpace.class),
                row(Safety.SAFE, Fault.HTTP_200_UNEXPECTED_SHAPE, Outcome.ERROR, UnexpectedAnswer.class),

                row(Safety.UNSAFE, Fault.CONNECTION_REFUSED, Outcome.RETRIED_ELSEWHERE, NONE),
                row(Safety.UNSAFE, Fault.TIMEOUT_AFTER_SEND, Outcome.OUTCOME_UNKNOWN, NONE),
                row(Safety.UNSAFE, Fault.CLOSED_AFTER_SEND, Outcome.OUTCOME_UNKNOWN, NONE),
                row(Safety.UNSAFE, Fault.HTTP_503_NOT_LEADER, Outcome.OUTCOME_UNKNOWN, NONE),
                row(Safety.UNSAFE, Fault.HTTP_503_REQUEST_TIMED_OUT, Outcome.OUTCOME_UNKNOWN, NONE),
                row(Safety.UNSAFE, Fault.HTTP_500_INTERNAL, Outcome.OUTCOME_UNKNOWN, NONE),
                row(Safety.UNSAFE, Fault.HTTP_400_INVALID_ARGUMENT, Outcome.ERROR,
                        RaftKvException.InvalidArgument.class),
                row(Safety.UNSAFE, Fault.HTTP_400_FAILED_PRECONDITION, Outcome.ERROR,
                        RaftKvException.InvalidArgument.class),
                row(Safety.UNSAFE, Fault.HTTP_400_COMPACTED, Outcome.ERROR, RaftKvException.Compacted.class),
                row(Safety.UNSAFE, Fault.HTTP_404_LEASE_NOT_FOUND, Outcome.ERROR,
                        RaftKvException.LeaseNotFound.class),
                row(Safety.UNSAFE, Fault.HTTP_429_NO_SPACE, Outcome.ERROR, RaftKvException.NoSpace.class),
                row(Safety.UNSAFE, Fault.HTTP_200_UNEXPECTED_SHAPE, Outcome.ERROR, UnexpectedAnswer.class));
    }

    private static Arguments row(Safety safety, Fault fault, Outcome outcome, Class<? extends Throwable> error) {
        return Arguments.of(safety, fault, outcome, error);
    }

    /** Long enough for the retry pause (100 ms) and a retry on loopback; a late blind retry would show within it. */
    private static final long NO_RETRY_WINDOW_MS = 400;
    private static final Duration PER_ATTEMPT = Duration.ofMillis(400);

    private final List<FakeNode> nodes = new ArrayList<>();
    private HttpTransport transport;

    @BeforeEach
    void startTransport() {
        transport = new HttpTransport(Duration.ofSeconds(1));
    }

    @AfterEach
    void stop() {
        nodes.forEach(FakeNode::close);
        transport.close();
    }

    private FakeNode node(FakeNode.Action action) throws IOException {
        FakeNode n = FakeNode.always(action);
        nodes.add(n);
        return n;
    }

    private FakeNode healthy(String name) throws IOException {
        return node(new FakeNode.Reply(200, "{\"served_by\":\"" + name + "\"}"));
    }

    private Rpc rpc(Duration timeout, URI... endpoints) {
        return new Rpc(transport, new Endpoints(List.of(endpoints)), timeout);
    }

    static FakeNode.Reply error(int status, int code, String message) {
        return new FakeNode.Reply(status, "{\"error\":\"" + message + "\",\"code\":" + code + ",\"message\":\""
                + message + "\"}");
    }

    /** What the caller's parser throws on an answer it cannot use. */
    static final class UnexpectedAnswer extends RuntimeException {
        UnexpectedAnswer(String message) {
            super(message);
        }
    }

    private static final Function<JsonNode, String> PARSE = n -> {
        if (!n.has("served_by")) {
            throw new UnexpectedAnswer("no served_by in " + n);
        }
        return n.get("served_by").asText();
    };

    private static ObjectNode request() {
        return Rpc.object().put("key", "a2V5").put("value", "dmFsdWU=");
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    @ParameterizedTest(name = "[{index}] {0} + {1} -> {2} {3}")
    @MethodSource("table")
    void failover(Safety safety, Fault fault, Outcome outcome, Class<? extends Throwable> error) throws Exception {
        FakeNode first = fault.action == null ? null : node(fault.action);
        FakeNode second = healthy("second");
        URI firstUri = first == null ? FakeNode.deadEndpoint() : first.uri();
        Rpc rpc = rpc(Duration.ofSeconds(3), firstUri, second.uri());

        CompletableFuture<String> call = rpc.call("/v3/kv/put", request(), safety, PARSE, PER_ATTEMPT);

        switch (outcome) {
            case RETRIED_ELSEWHERE -> {
                assertEquals("second", call.get(10, TimeUnit.SECONDS));
                FakeNode.Request retried = second.nextRequest(0);
                assertNotNull(retried);
                assertEquals("/v3/kv/put", retried.path());
                assertEquals(Rpc.JSON.readTree(Rpc.encode(request())), Rpc.JSON.readTree(retried.body()),
                        "the retry carries the same request");
                assertEquals(1, second.requests().size());
                if (first != null) {
                    assertEquals(1, first.requests().size(), "the first endpoint was tried once");
                }
            }
            case ERROR -> {
                Throwable t = failure(call);
                assertEquals(error, t.getClass(), "reported as " + t);
                assertFalse(t instanceof RaftKvException.OutcomeUnknown);
                assertNoRequestWithin(second);
                assertEquals(1, first.requests().size());
            }
            case OUTCOME_UNKNOWN -> {
                Throwable t = failure(call);
                assertTrue(t instanceof RaftKvException.OutcomeUnknown, "reported as " + t);
                assertTrue(t.getMessage().contains("/v3/kv/put"), t.getMessage());
                assertNoRequestWithin(second);
                assertEquals(1, first.requests().size(), "the write was not resent to the same node either");
            }
        }
    }

    private static void assertNoRequestWithin(FakeNode node) throws InterruptedException {
        assertNull(node.nextRequest(NO_RETRY_WINDOW_MS), "the request was retried on " + node.uri());
    }

    @Test
    void anErrorAnswerKeepsTheNodesCodeAndMessage() throws Exception {
        FakeNode only = node(error(400, 3, "etcdserver: key is not provided"));
        Throwable t = failure(rpc(Duration.ofSeconds(3), only.uri())
                .call("/v3/kv/put", request(), Safety.UNSAFE, PARSE));
        RaftKvException e = (RaftKvException) t;
        assertEquals(3, e.code());
        assertEquals("etcdserver: key is not provided", e.getMessage());
    }

    @Test
    void aReadThatFailsOnEveryEndpointIsUnavailableAtTheDeadlineNamingTheLastError() throws Exception {
        FakeNode a = node(error(503, 14, "etcdserver: no leader"));
        FakeNode b = node(error(503, 14, "etcdserver: no leader"));
        Duration timeout = Duration.ofMillis(800);
        long start = System.nanoTime();

        Throwable t = failure(rpc(timeout, a.uri(), b.uri()).call("/v3/kv/range", request(), Safety.SAFE, PARSE));

        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(RaftKvException.Unavailable.class, t.getClass(), "reported as " + t);
        assertTrue(t.getMessage().contains("etcdserver: no leader"), t.getMessage());
        assertFalse(a.requests().isEmpty());
        assertFalse(b.requests().isEmpty(), "both endpoints were tried");
        assertTrue(a.requests().size() + b.requests().size() >= 3, "kept retrying until the deadline");
        assertTrue(tookMs >= timeout.toMillis() - 50, "gave up after " + tookMs + " ms, before the deadline");
        assertTrue(tookMs < timeout.toMillis() + 2_000, "gave up only after " + tookMs + " ms");
    }

    @Test
    void aHangingNodeCostsAReadOneAttemptNotTheWholeDeadline() throws Exception {
        FakeNode hanging = node(new FakeNode.Hang());
        FakeNode b = healthy("b");
        long start = System.nanoTime();

        String servedBy = rpc(Duration.ofSeconds(5), hanging.uri(), b.uri())
                .call("/v3/kv/range", request(), Safety.SAFE, PARSE, Duration.ofMillis(300)).get(10, TimeUnit.SECONDS);

        assertEquals("b", servedBy);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs < 3_000, "took " + tookMs + " ms");
    }

    @Test
    void aWriteThatCouldReachNoNodeIsUnavailableNotOutcomeUnknown() throws Exception {
        Rpc rpc = rpc(Duration.ofMillis(600), FakeNode.deadEndpoint(), FakeNode.deadEndpoint());
        Throwable t = failure(rpc.call("/v3/kv/put", request(), Safety.UNSAFE, PARSE));
        assertEquals(RaftKvException.Unavailable.class, t.getClass(),
                "never sent, so known not applied: " + t);
    }

    @Test
    void aWriteRefusedByOneNodeAndThenLostOnTheNextIsOutcomeUnknownAndNotResent() throws Exception {
        FakeNode dropping = node(new FakeNode.Drop());
        Rpc rpc = rpc(Duration.ofSeconds(3), FakeNode.deadEndpoint(), dropping.uri());

        Throwable t = failure(rpc.call("/v3/kv/put", request(), Safety.UNSAFE, PARSE));

        assertTrue(t instanceof RaftKvException.OutcomeUnknown, "reported as " + t);
        assertNotNull(dropping.nextRequest(0), "the refused attempt was retried on the other node");
        assertNoRequestWithin(dropping);
    }

    @Test
    void aWriteGoesFirstToTheLeaderAMemberNamed() throws Exception {
        FakeNode follower = node(new FakeNode.Reply(200, "{\"served_by\":\"follower\"}"));
        FakeNode leader = healthy("leader");
        follower.script(r -> new FakeNode.Reply(200, "{\"served_by\":\"follower\"}").withLeader(leader.uri().toString()));
        Rpc rpc = rpc(Duration.ofSeconds(3), follower.uri(), leader.uri());

        assertEquals("follower", rpc.call("/v3/kv/range", request(), Safety.SAFE, PARSE).get(10, TimeUnit.SECONDS));
        assertEquals("leader", rpc.call("/v3/kv/put", request(), Safety.UNSAFE, PARSE).get(10, TimeUnit.SECONDS));
        assertEquals("follower", rpc.call("/v3/kv/range", request(), Safety.SAFE, PARSE).get(10, TimeUnit.SECONDS),
                "reads stay where they were");
        assertEquals(2, follower.requests().size());
        assertEquals(1, leader.requests().size());
    }

    @Test
    void callAtAsksOnlyTheNamedMemberAndReportsItsFailureAsUnavailable() throws Exception {
        FakeNode other = healthy("other");
        Rpc rpc = rpc(Duration.ofSeconds(2), other.uri());
        URI dead = FakeNode.deadEndpoint();

        Throwable refused = failure(rpc.callAt(dead, "/v3/maintenance/status", Rpc.object(), PARSE));
        assertEquals(RaftKvException.Unavailable.class, refused.getClass(), "reported as " + refused);

        FakeNode busy = node(error(503, 14, "etcdserver: no leader"));
        Throwable unavailable = failure(rpc.callAt(busy.uri(), "/v3/maintenance/status", Rpc.object(), PARSE));
        assertEquals(RaftKvException.Unavailable.class, unavailable.getClass(), "reported as " + unavailable);

        FakeNode bad = node(error(400, 3, "bad"));
        Throwable invalid = failure(rpc.callAt(bad.uri(), "/v3/maintenance/status", Rpc.object(), PARSE));
        assertEquals(RaftKvException.InvalidArgument.class, invalid.getClass(), "reported as " + invalid);

        assertNoRequestWithin(other);
    }

    /*
     * An error answer whose body is not JSON (a proxy's or load balancer's HTML 502 page, say) follows the rules of
     * its status: a read is retried elsewhere, a write that may have gone through is of unknown outcome.
     */

    @Test
    void aReadAnsweredWithAnUnreadable502IsRetriedElsewhere() throws Exception {
        FakeNode proxy = node(new FakeNode.Reply(502, "<html>Bad Gateway</html>", null, "text/html"));
        FakeNode b = healthy("b");
        assertEquals("b", rpc(Duration.ofSeconds(3), proxy.uri(), b.uri())
                .call("/v3/kv/range", request(), Safety.SAFE, PARSE).get(10, TimeUnit.SECONDS));
    }

    @Test
    void aWriteAnsweredWithAnUnreadable502IsOutcomeUnknown() throws Exception {
        FakeNode proxy = node(new FakeNode.Reply(502, "<html>Bad Gateway</html>", null, "text/html"));
        FakeNode b = healthy("b");
        Throwable t = failure(rpc(Duration.ofSeconds(3), proxy.uri(), b.uri())
                .call("/v3/kv/put", request(), Safety.UNSAFE, PARSE));
        assertTrue(t instanceof RaftKvException.OutcomeUnknown, "reported as " + t);
    }

    @Test
    void aWriteAnsweredWithAGarbled200IsOutcomeUnknown() throws Exception {
        FakeNode cut = node(new FakeNode.Reply(200, "{\"header\": {\"rev", null, "application/json"));
        FakeNode b = healthy("b");
        Throwable t = failure(rpc(Duration.ofSeconds(3), cut.uri(), b.uri())
                .call("/v3/kv/put", request(), Safety.UNSAFE, PARSE));
        assertTrue(t instanceof RaftKvException.OutcomeUnknown, "reported as " + t);
        assertEquals(0, b.requests().size(), "a write of unknown outcome is not sent again");
    }
}
