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
 * reached a node (the connection could not be made); once it may have been received, a failure is reported as
 * {@link RaftKvException.OutcomeUnknown}, never retried blindly.
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

    Rpc(HttpTransport transport, Endpoints endpoints, Duration timeout) {
        this.transport = transport;
        this.endpoints = endpoints;
        this.timeout = timeout;
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
        CompletableFuture<T> result = new CompletableFuture<>();
        byte[] bytes = encode(body);
        attempt(path, bytes, safety, parse, result, 0, System.nanoTime() + timeout.toNanos(), null,
                perAttempt.toNanos());
        return result;
    }

    /** Calls {@code path} on {@code endpoint} only (maintenance of one member); no failover. */
    <T> CompletableFuture<T> callAt(URI endpoint, String path, ObjectNode body, Function<JsonNode, T> parse) {
        return transport.post(endpoint, path, encode(body), timeout).handle((r, e) -> {
            if (e != null) {
                throw new RaftKvException.Unavailable(endpoint + " did not answer: " + rootMessage(e), e);
            }
            return parse.apply(answer(r));
        });
    }

    private <T> void attempt(String path, byte[] body, Safety safety, Function<JsonNode, T> parse,
                             CompletableFuture<T> result, int attempt, long deadline, Throwable last,
                             long perAttemptNanos) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            result.completeExceptionally(new RaftKvException.Unavailable("no endpoint of " + endpoints.all()
                    + " could serve " + path + " within " + timeout.toMillis() + " ms"
                    + (last == null ? "" : ": " + rootMessage(last)), last));
            return;
        }
        URI endpoint = safety == Safety.UNSAFE ? endpoints.pickForWrite(attempt) : endpoints.pick(attempt);
        transport.post(endpoint, path, body, Duration.ofNanos(Math.min(left, perAttemptNanos))).whenComplete((r, e) -> {
            if (e != null) {
                endpoints.failed(endpoint);
                boolean maybeSent = !(e instanceof HttpTransport.SendFailure f) || f.mayHaveBeenSent();
                if (safety == Safety.UNSAFE && maybeSent) {
                    result.completeExceptionally(new RaftKvException.OutcomeUnknown(path + " to " + endpoint
                            + " failed after it was sent (" + rootMessage(e) + "): it may or may not have been"
                            + " applied", e));
                    return;
                }
                log.debug("{} on {} failed ({}); trying another endpoint", path, endpoint, rootMessage(e));
                retryLater(path, body, safety, parse, result, attempt, deadline, e, perAttemptNanos);
                return;
            }
            endpoints.leaderNamed(r.leader());
            JsonNode node;
            try {
                node = answer(r);
            } catch (RaftKvException.Unavailable u) {
                endpoints.failed(endpoint);
                if (safety == Safety.UNSAFE) {
                    // The node may have proposed it before it gave up waiting.
                    result.completeExceptionally(new RaftKvException.OutcomeUnknown(path + " to " + endpoint
                            + ": " + u.getMessage(), u));
                } else {
                    retryLater(path, body, safety, parse, result, attempt, deadline, u, perAttemptNanos);
                }
                return;
            } catch (RuntimeException definite) {
                endpoints.succeeded(endpoint, safety == Safety.SAFE);
                result.completeExceptionally(definite);
                return;
            }
            endpoints.succeeded(endpoint, safety == Safety.SAFE);
            try {
                result.complete(parse.apply(node));
            } catch (RuntimeException bad) {
                result.completeExceptionally(bad);
            }
        });
    }

    private <T> void retryLater(String path, byte[] body, Safety safety, Function<JsonNode, T> parse,
                                CompletableFuture<T> result, int attempt, long deadline, Throwable cause,
                                long perAttemptNanos) {
        Executor later = CompletableFuture.delayedExecutor(RETRY_PAUSE_MS, TimeUnit.MILLISECONDS);
        later.execute(() -> attempt(path, body, safety, parse, result, attempt + 1, deadline, cause,
                perAttemptNanos));
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
