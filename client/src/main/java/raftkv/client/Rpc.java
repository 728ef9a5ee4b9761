package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.client.transport.HttpTransport;

/**
 * One JSON call with failover. A <em>safe</em> call (a read, a keepalive, a status) is retried on the next endpoint
 * after any failure until the deadline. An <em>unsafe</em> one (a write) is retried only when it provably never
 * reached a node (the connection could not be made, or its TLS handshake failed); once it may have been received, a
 * failure is reported as {@link RaftKvException.OutcomeUnknown}, never retried blindly.
 *
 * <p>With credentials, every request carries the client's token ({@link AuthTokens}). A node that refuses a request
 * for its token alone ({@link RaftKvException.Unauthenticated}) applied nothing, so the request, safe or not, is sent
 * once more to the same node with a fresh token. A TLS handshake refused by every endpoint ends the call at once as
 * {@link RaftKvException.TlsHandshakeFailed}: waiting for the deadline would not change a certificate.
 */
final class Rpc {

    private static final Logger log = LoggerFactory.getLogger(Rpc.class);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final long RETRY_PAUSE_MS = 100;
    private static final Duration SAFE_ATTEMPT = Duration.ofSeconds(5);

    enum Safety { SAFE, UNSAFE }

    private final HttpTransport transport;
    private final Endpoints endpoints;
    private final Duration timeout;
    private final AuthTokens tokens; // null: no credentials, no token

    Rpc(HttpTransport transport, Endpoints endpoints, Duration timeout) {
        this(transport, endpoints, timeout, null, null);
    }

    /** As the client of {@code user} (null: anonymous), authenticating with {@code password}. */
    Rpc(HttpTransport transport, Endpoints endpoints, Duration timeout, String user, String password) {
        this.transport = transport;
        this.endpoints = endpoints;
        this.timeout = timeout;
        this.tokens = user == null ? null : new AuthTokens(user, password, this::authenticate);
    }

    HttpTransport transport() {
        return transport;
    }

    Endpoints endpoints() {
        return endpoints;
    }

    Duration timeout() {
        return timeout;
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** The token for a stream (watch, snapshot): null without credentials or while authentication is off. */
    CompletableFuture<String> token() {
        return tokens == null ? CompletableFuture.completedFuture(null) : tokens.token();
    }

    /** Whether the client has credentials: a refused token can then be renewed. */
    boolean authenticates() {
        return tokens != null;
    }

    /** A node refused a stream's {@code token}: the next {@link #token()} is a fresh one. */
    void tokenRefused(String token) {
        if (tokens != null) {
            tokens.renew(token);
        }
    }

    /** Calls {@code path} on whichever endpoint answers, as {@code safety} allows. */
    <T> CompletableFuture<T> call(String path, ObjectNode body, Safety safety, Function<JsonNode, T> parse) {
        return call(path, body, safety, parse, safety == Safety.SAFE ? SAFE_ATTEMPT : timeout);
    }

    /**
     * As above, each attempt given at most {@code perAttempt}: a node that hangs (its leader just died, say) must
     * not hold a safe call that another node could answer at once.
     */
    <T> CompletableFuture<T> call(String path, ObjectNode body, Safety safety, Function<JsonNode, T> parse,
                                  Duration perAttempt) {
        Call<T> c = new Call<>(path, encode(body), safety, parse, System.nanoTime() + timeout.toNanos(),
                perAttempt.toNanos(), false);
        attempt(c, 0, null);
        return c.result;
    }

    /** Calls {@code path} on {@code endpoint} only (maintenance of one member); no failover. */
    <T> CompletableFuture<T> callAt(URI endpoint, String path, ObjectNode body, Function<JsonNode, T> parse) {
        return send(endpoint, path, encode(body), timeout, false).handle((r, e) -> {
            if (e != null) {
                Throwable cause = unwrap(e);
                if (cause instanceof RaftKvException definite) {
                    throw definite; // no token could be had: nothing was sent
                }
                if (cause instanceof HttpTransport.SendFailure f && f.tlsRefused()) {
                    throw new RaftKvException.TlsHandshakeFailed(f.getMessage(), f);
                }
                throw new RaftKvException.Unavailable(endpoint + " did not answer: " + rootMessage(e), e);
            }
            return parse.apply(answer(r));
        });
    }

    /**
     * Fetches a token for {@code user}: completes with it, with null when authentication is not enabled (then no
     * request needs one), or with the refusal ({@link RaftKvException.AuthFailed} for a wrong password).
     */
    private CompletableFuture<String> authenticate(String user, String password) {
        byte[] body = encode(object().put("name", user).put("password", password));
        Call<String> c = new Call<>("/v3/auth/authenticate", body, Safety.SAFE, n -> {
            if (!n.hasNonNull("token")) {
                throw new RaftKvException.AuthFailed(-1, "the authentication answer holds no token");
            }
            return n.get("token").asText();
        }, System.nanoTime() + timeout.toNanos(), SAFE_ATTEMPT.toNanos(), true);
        attempt(c, 0, null);
        return c.result.handle((token, e) -> {
            if (e == null) {
                return token;
            }
            if (unwrap(e) instanceof RaftKvException.AuthNotEnabled) {
                return null;
            }
            throw e instanceof CompletionException ce ? ce : new CompletionException(e);
        });
    }

    /** One call: what it sends, how it may be retried, its result. Its attempts run one after another. */
    private static final class Call<T> {
        final String path;
        final byte[] body;
        final Safety safety;
        final Function<JsonNode, T> parse;
        final long deadline;
        final long perAttemptNanos;
        final boolean anonymous;
        final CompletableFuture<T> result = new CompletableFuture<>();
        // touched by one attempt at a time, each after the last one ended
        int tlsRefusals;

        Call(String path, byte[] body, Safety safety, Function<JsonNode, T> parse, long deadline,
             long perAttemptNanos, boolean anonymous) {
            this.path = path;
            this.body = body;
            this.safety = safety;
            this.parse = parse;
            this.deadline = deadline;
            this.perAttemptNanos = perAttemptNanos;
            this.anonymous = anonymous;
        }
    }

    private <T> void attempt(Call<T> c, int attempt, Throwable last) {
        long left = c.deadline - System.nanoTime();
        if (left <= 0) {
            c.result.completeExceptionally(new RaftKvException.Unavailable("no endpoint of " + endpoints.all()
                    + " could serve " + c.path + " within " + timeout.toMillis() + " ms"
                    + (last == null ? "" : ": " + rootMessage(last)), last));
            return;
        }
        URI endpoint = c.safety == Safety.UNSAFE ? endpoints.pickForWrite(attempt) : endpoints.pick(attempt);
        Duration perAttempt = Duration.ofNanos(Math.min(left, c.perAttemptNanos));
        send(endpoint, c.path, c.body, perAttempt, c.anonymous).whenComplete((r, e) -> {
            if (e != null) {
                Throwable cause = unwrap(e);
                if (cause instanceof RaftKvException definite) {
                    // No token could be had (a refused password, no endpoint to authenticate): nothing was sent.
                    c.result.completeExceptionally(definite);
                    return;
                }
                endpoints.failed(endpoint);
                HttpTransport.SendFailure failure = cause instanceof HttpTransport.SendFailure f ? f : null;
                boolean maybeSent = failure == null || failure.mayHaveBeenSent();
                if (c.safety == Safety.UNSAFE && maybeSent) {
                    c.result.completeExceptionally(new RaftKvException.OutcomeUnknown(c.path + " to " + endpoint
                            + " failed after it was sent (" + rootMessage(cause) + "): it may or may not have been"
                            + " applied", cause));
                    return;
                }
                if (failure != null && failure.tlsRefused() && ++c.tlsRefusals >= endpoints.all().size()) {
                    c.result.completeExceptionally(new RaftKvException.TlsHandshakeFailed(failure.getMessage()
                            + (c.tlsRefusals > 1 ? " (and on every other endpoint)" : ""), failure));
                    return;
                }
                log.debug("{} on {} failed ({}); trying another endpoint", c.path, endpoint, rootMessage(cause));
                retryLater(c, attempt, cause);
                return;
            }
            endpoints.leaderNamed(r.leader());
            JsonNode node;
            try {
                node = answer(r);
            } catch (RaftKvException.Unavailable u) {
                endpoints.failed(endpoint);
                if (c.safety == Safety.UNSAFE) {
                    // The node may have proposed it before it gave up waiting.
                    c.result.completeExceptionally(new RaftKvException.OutcomeUnknown(c.path + " to " + endpoint
                            + ": " + u.getMessage(), u));
                } else {
                    retryLater(c, attempt, u);
                }
                return;
            } catch (RuntimeException definite) {
                endpoints.succeeded(endpoint, c.safety == Safety.SAFE);
                c.result.completeExceptionally(definite);
                return;
            }
            endpoints.succeeded(endpoint, c.safety == Safety.SAFE);
            try {
                c.result.complete(c.parse.apply(node));
            } catch (RuntimeException bad) {
                c.result.completeExceptionally(bad);
            }
        });
    }

    private <T> void retryLater(Call<T> c, int attempt, Throwable cause) {
        Executor later = CompletableFuture.delayedExecutor(RETRY_PAUSE_MS, TimeUnit.MILLISECONDS);
        later.execute(() -> attempt(c, attempt + 1, cause));
    }

    /**
     * POSTs to one endpoint with the token attached (none when {@code anonymous}, or without credentials). A
     * request the node refused for its token alone is sent once more with a fresh one; a token that cannot be had
     * fails the future with its {@link RaftKvException}, the request unsent.
     */
    private CompletableFuture<HttpTransport.Response> send(URI endpoint, String path, byte[] body, Duration timeout,
                                                           boolean anonymous) {
        if (tokens == null || anonymous) {
            return transport.post(endpoint, path, body, timeout);
        }
        return tokens.token().thenCompose(token -> transport.post(endpoint, path, body, timeout, token)
                .thenCompose(r -> !refusesToken(r) ? CompletableFuture.completedFuture(r)
                        : tokens.renew(token).thenCompose(fresh -> {
                            log.debug("{} on {}: the token was refused; authenticated again", path, endpoint);
                            return transport.post(endpoint, path, body, timeout, fresh);
                        })));
    }

    /** Whether a node refused a request for its token alone: then it applied nothing, and a fresh token may pass. */
    static boolean refusesToken(HttpTransport.Response r) {
        if (r.status() == 200) {
            return false;
        }
        try {
            answer(r);
            return false;
        } catch (RaftKvException.Unauthenticated e) {
            return true;
        } catch (RuntimeException other) {
            return false;
        }
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The JSON of a 200 answer; an error answer thrown as its exception. */
    static JsonNode answer(HttpTransport.Response r) {
        JsonNode node;
        try {
            node = r.body().length == 0 ? object() : JSON.readTree(r.body());
        } catch (IOException e) {
            // Not raftkv's JSON: a proxy's error page, or an answer cut short. The status still says whether
            // another node may serve it; a garbled 200 is treated as unavailable, so a write that may have been
            // applied is reported as of unknown outcome, never as a definite failure.
            String m = "unreadable answer (HTTP " + r.status() + "): " + e.getMessage();
            throw r.status() == 200 ? new RaftKvException.Unavailable(m, e) : RaftKvException.of(r.status(), -1, m);
        }
        if (r.status() != 200) {
            JsonNode err = node.has("error") && node.get("error").isObject() ? node.get("error") : node;
            throw RaftKvException.of(r.status(), err.path("code").asInt(-1), err.path("message").asText(null));
        }
        return node;
    }

    static byte[] encode(JsonNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String rootMessage(Throwable t) {
        while ((t instanceof CompletionException || t.getCause() != null && t.getMessage() == null)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
