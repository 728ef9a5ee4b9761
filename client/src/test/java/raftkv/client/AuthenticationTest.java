package raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import raftkv.client.Rpc.Safety;
import raftkv.client.transport.HttpTransport;

/**
 * How a client with a user name and password gets, attaches and renews its token, against {@link FakeNode}s that
 * play etcd's gateway: {@code /v3/auth/authenticate} hands out tokens {@code t1}, {@code t2}, ... and the other
 * paths answer as each test scripts, by the {@code Authorization} header they got.
 */
class AuthenticationTest {

    private final List<FakeNode> nodes = new ArrayList<>();
    private final AtomicInteger issued = new AtomicInteger();
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

    /** A node that authenticates {@code root}/{@code pw} and answers other requests with {@code serve}. */
    private FakeNode node(Function<FakeNode.Request, FakeNode.Action> serve) throws Exception {
        FakeNode n = new FakeNode(r -> {
            if (!r.path().equals("/v3/auth/authenticate")) {
                return serve.apply(r);
            }
            JsonNode body = json(r.body());
            if (!body.path("name").asText().equals("root") || !body.path("password").asText().equals("pw")) {
                return RpcTest.error(400, 3, "etcdserver: authentication failed, invalid user ID or password");
            }
            return new FakeNode.Reply(200, "{\"header\":{},\"token\":\"t" + issued.incrementAndGet() + "\"}");
        });
        nodes.add(n);
        return n;
    }

    private static JsonNode json(String s) {
        try {
            return Rpc.JSON.readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final FakeNode.Reply OK = new FakeNode.Reply(200, "{\"served_by\":\"node\"}");
    private static final Function<JsonNode, String> PARSE = n -> n.path("served_by").asText();

    private Rpc rpc(String password, URI... endpoints) {
        return new Rpc(transport, new Endpoints(List.of(endpoints)), Duration.ofSeconds(3), "root", password);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS)).getCause();
    }

    private static long count(FakeNode n, String path) {
        return n.requests().stream().filter(r -> r.path().equals(path)).count();
    }

    @Test
    void concurrentRequestsShareOneAuthenticationAndAllCarryTheToken() throws Exception {
        FakeNode n = node(r -> "t1".equals(r.header("Authorization")) ? OK
                : RpcTest.error(401, 16, "etcdserver: invalid auth token"));
        Rpc rpc = rpc("pw", n.uri());

        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(rpc.call("/v3/kv/range", Rpc.object(), Safety.SAFE, PARSE));
        }
        for (CompletableFuture<String> c : calls) {
            assertEquals("node", c.get(10, TimeUnit.SECONDS));
        }

        assertEquals(1, count(n, "/v3/auth/authenticate"), "one authentication for all");
        FakeNode.Request auth = n.requests().get(0);
        assertNull(auth.header("Authorization"), "authenticate itself carries no token");
        assertEquals("root", json(auth.body()).path("name").asText());
        assertTrue(n.requests().stream().filter(r -> r.path().equals("/v3/kv/range"))
                .allMatch(r -> "t1".equals(r.header("Authorization"))), "the raw token, as etcd's gateway takes it");
    }

    @ParameterizedTest
    @ValueSource(strings = {"401/16/etcdserver: invalid auth token", "400/3/etcdserver: revision of auth store is old"})
    void aWriteRefusedForItsTokenIsSentOnceMoreWithAFreshOne(String refusal) throws Exception {
        String[] r = refusal.split("/", 3);
        FakeNode n = node(req -> "t1".equals(req.header("Authorization"))
                ? RpcTest.error(Integer.parseInt(r[0]), Integer.parseInt(r[1]), r[2]) : OK);
        Rpc rpc = rpc("pw", n.uri());

        assertEquals("node", rpc.call("/v3/kv/put", Rpc.object(), Safety.UNSAFE, PARSE).get(10, TimeUnit.SECONDS));

        assertEquals(2, count(n, "/v3/auth/authenticate"));
        List<String> sent = n.requests().stream().filter(q -> q.path().equals("/v3/kv/put"))
                .map(q -> q.header("Authorization")).toList();
        assertEquals(List.of("t1", "t2"), sent, "refused with the old token, applied with the new one");
    }

    @Test
    void aTokenRefusedTwiceIsReportedAsUnauthenticatedNotResentAgain() throws Exception {
        FakeNode n = node(req -> RpcTest.error(401, 16, "etcdserver: invalid auth token"));
        Throwable t = failure(rpc("pw", n.uri()).call("/v3/kv/put", Rpc.object(), Safety.UNSAFE, PARSE));

        assertEquals(RaftKvException.Unauthenticated.class, t.getClass(), "reported as " + t);
        assertEquals(16, ((RaftKvException) t).code());
        assertEquals(2, count(n, "/v3/kv/put"));
    }

    @Test
    void aWrongPasswordIsAuthFailedAtOnceAndNothingElseIsSent() throws Exception {
        FakeNode a = node(req -> OK);
        FakeNode b = node(req -> OK);
        Rpc rpc = rpc("wrong", a.uri(), b.uri());

        Throwable t = failure(rpc.call("/v3/kv/range", Rpc.object(), Safety.SAFE, PARSE));

        assertEquals(RaftKvException.AuthFailed.class, t.getClass(), "reported as " + t);
        assertFalse(t.getMessage().contains("wrong"), "the password is not in the message");
        assertEquals(1, a.requests().size(), "one authentication, not retried");
        assertEquals(0, b.requests().size());

        failure(rpc.call("/v3/kv/range", Rpc.object(), Safety.SAFE, PARSE));
        assertEquals(2, count(a, "/v3/auth/authenticate"), "the next call tries again: the password may be fixed");
    }

    @Test
    void whileAuthenticationIsOffNoTokenIsSentUntilANodeAsksForOne() throws Exception {
        boolean[] enabled = {false};
        FakeNode n = new FakeNode(r -> {
            if (r.path().equals("/v3/auth/authenticate")) {
                return enabled[0] ? new FakeNode.Reply(200, "{\"token\":\"t9\"}")
                        : RpcTest.error(400, 9, "etcdserver: authentication is not enabled");
            }
            if (enabled[0] && r.header("Authorization") == null) {
                return RpcTest.error(400, 3, "etcdserver: user name is empty");
            }
            return OK;
        });
        nodes.add(n);
        Rpc rpc = rpc("pw", n.uri());

        assertEquals("node", rpc.call("/v3/kv/put", Rpc.object(), Safety.UNSAFE, PARSE).get(10, TimeUnit.SECONDS));
        assertNull(n.requests().get(1).header("Authorization"));

        enabled[0] = true;
        assertEquals("node", rpc.call("/v3/kv/put", Rpc.object(), Safety.UNSAFE, PARSE).get(10, TimeUnit.SECONDS));
        FakeNode.Request last = n.requests().get(n.requests().size() - 1);
        assertEquals("t9", last.header("Authorization"));
        assertEquals(2, count(n, "/v3/auth/authenticate"));
    }

    @Test
    void permissionDeniedIsTypedAndFinal() throws Exception {
        FakeNode a = node(req -> RpcTest.error(403, 7, "etcdserver: permission denied"));
        FakeNode b = node(req -> OK);
        Throwable t = failure(rpc("pw", a.uri(), b.uri()).call("/v3/kv/range", Rpc.object(), Safety.SAFE, PARSE));

        assertEquals(RaftKvException.PermissionDenied.class, t.getClass(), "reported as " + t);
        assertEquals(0, b.requests().size(), "another member would deny it too");
        assertEquals(1, count(a, "/v3/kv/range"), "a fresh token would not change the user's roles");
    }

    @Test
    void watchesCarryTheTokenAndOneTheUserMayNotReadIsCanceled() throws Exception {
        FakeNode n = node(req -> RpcTest.error(403, 7, "etcdserver: permission denied"));
        Rpc rpc = rpc("pw", n.uri());
        CompletableFuture<String> canceled = new CompletableFuture<>();
        Watcher w = new WatchClient(rpc, Runnable::run).watch("secret", WatchOptions.DEFAULT, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
            }

            @Override
            public void onCanceled(String reason) {
                canceled.complete(reason);
            }
        });

        assertEquals("etcdserver: permission denied", canceled.get(10, TimeUnit.SECONDS));
        assertEquals("t1", n.requests().stream().filter(r -> r.path().equals("/v3/watch")).findFirst()
                .orElseThrow().header("Authorization"));
        Thread.sleep(300);
        assertEquals(1, count(n, "/v3/watch"), "not resumed elsewhere");
        w.close();
    }

    @Test
    void aJwtTokenStatesWhenToRenewIt() {
        String claims = "{\"username\":\"root\",\"revision\":3,\"exp\":1900000000}";
        String jwt = "eyJhbGciOiJSUzI1NiJ9." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
        assertEquals(1_900_000_000_000L, AuthTokens.jwtExpiryMillis(jwt));
        assertEquals(0, AuthTokens.jwtExpiryMillis("YramYwCDkxtbSOcc.44"), "a simple token states none");
        assertEquals(0, AuthTokens.jwtExpiryMillis("a.b.c"));
    }

    @Test
    void theTokensToStringNamesTheUserOnly() {
        AuthTokens tokens = new AuthTokens("root", "s3cret", (u, p) -> CompletableFuture.completedFuture("tok"));
        tokens.token().join();
        assertFalse(tokens.toString().contains("s3cret"));
        assertFalse(tokens.toString().contains("tok"));
    }
}
