package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.client.transport.HttpTransport;

/**
 * One watch, kept open across node failures: when its stream ends for any reason other than {@link #close()},
 * a compaction or a cancellation, it opens a new one on the next endpoint from the revision after the last one
 * delivered, so the listener sees no gap and no duplicate.
 *
 * <p>With credentials, each stream carries the client's token; a stream refused for its token is resumed with a fresh
 * one, and a watch the user may not read is canceled ({@link WatchListener#onCanceled}) rather than resumed.
 *
 * <p>Threads: lines arrive on Netty's event loop and only update {@link #nextRevision} there (under this object's
 * lock) and queue the listener call; listener calls run one after another on the client's callback pool. A stream is
 * opened on the thread that has the token: the caller's, or the event loop that fetched it.
 */
public final class Watcher implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Watcher.class);
    private static final long MAX_PAUSE_MS = 2_000;

    private final Rpc rpc;
    private final byte[] key;
    private final WatchOptions options;
    private final WatchListener listener;
    private final Executor callbacks;
    // guarded by this
    private long nextRevision;
    private boolean closed;
    private HttpTransport.Stream stream;
    private int failures;
    private CompletableFuture<Void> delivered = CompletableFuture.completedFuture(null);
    private final CompletableFuture<Void> created = new CompletableFuture<>();

    Watcher(Rpc rpc, byte[] key, WatchOptions options, WatchListener listener, Executor callbacks) {
        this.rpc = rpc;
        this.key = key;
        this.options = options;
        this.listener = listener;
        this.callbacks = callbacks;
        this.nextRevision = options.startRevision();
    }

    void start() {
        open(0);
    }

    /** Completes once the first node has confirmed the watch: events after that point will be seen. */
    public CompletableFuture<Void> created() {
        return created;
    }

    /** The revision the watch would resume from: one past the newest revision delivered (0: none yet, from now). */
    public synchronized long nextRevision() {
        return nextRevision;
    }

    /** Opens a stream on the endpoint for {@code attempt}; returns the endpoint, or null when the watch is closed. */
    private URI open(int attempt) {
        URI endpoint;
        byte[] body;
        synchronized (this) {
            if (closed) {
                return null;
            }
            endpoint = rpc.endpoints().pick(attempt);
            ObjectNode create = Rpc.object().put("key", Wire.b64(Wire.rangeStart(key, options.prefix())));
            byte[] end = options.prefix() ? Wire.prefixEnd(key) : options.rangeEnd();
            if (end != null) {
                create.put("range_end", Wire.b64(end));
            }
            if (nextRevision > 0) {
                create.put("start_revision", nextRevision);
            }
            if (options.prevKv()) {
                create.put("prev_kv", true);
            }
            if (options.noPut() || options.noDelete()) {
                var filters = create.putArray("filters");
                if (options.noPut()) {
                    filters.add("NOPUT");
                }
                if (options.noDelete()) {
                    filters.add("NODELETE");
                }
            }
            body = Rpc.encode(Rpc.object().set("create_request", create));
        }
        rpc.token().whenComplete((token, noToken) -> {
            if (noToken != null) {
                ended(endpoint, attempt, null, noToken);
                return;
            }
            HttpTransport.Stream s;
            synchronized (this) {
                if (closed) {
                    return;
                }
                s = rpc.transport().stream(endpoint, "/v3/watch", body, token, line -> onLine(endpoint, token, line));
                stream = s;
            }
            s.closed().whenComplete((v, e) -> ended(endpoint, attempt, token, e));
        });
        return endpoint;
    }

    private void onLine(URI endpoint, String token, String line) {
        JsonNode result;
        try {
            JsonNode node = Rpc.JSON.readTree(line);
            if (node.has("error")) {
                JsonNode err = node.get("error").isObject() ? node.get("error") : node;
                log.debug("watch on {} failed: {}", endpoint, err.path("message").asText());
                refused(token, RaftKvException.of(500, err.path("code").asInt(-1), err.path("message").asText(null)));
                closeStream();
                return;
            }
            result = node.path("result");
        } catch (java.io.IOException e) {
            log.warn("unreadable watch message from {}: {}", endpoint, line);
            closeStream();
            return;
        }
        long headerRev = Wire.int64(result.path("header"), "revision");
        synchronized (this) {
            if (closed) {
                return;
            }
            failures = 0;
            if (result.path("created").asBoolean()) {
                if (nextRevision == 0) {
                    nextRevision = headerRev + 1; // from now on, wherever it resumes
                }
                created.complete(null);
            }
            if (result.path("canceled").asBoolean()) {
                long compact = Wire.int64(result, "compact_revision");
                String reason = result.path("cancel_reason").asText("");
                if (compact > 0) {
                    closed = true;
                    deliver(() -> listener.onCompacted(compact));
                } else if (reason.contains("no leader")) {
                    closeStream(); // ended() then resumes the watch elsewhere
                    return;
                } else {
                    closed = true;
                    deliver(() -> listener.onCanceled(reason));
                }
                closeStream();
                created.complete(null);
                return;
            }
            List<WatchEvent> events = new ArrayList<>();
            for (JsonNode e : result.path("events")) {
                WatchEvent ev = WatchEvent.of(e);
                if (ev.kv().modRevision() >= nextRevision) { // a resume never repeats an event
                    events.add(ev);
                }
            }
            if (!events.isEmpty()) {
                nextRevision = events.get(events.size() - 1).kv().modRevision() + 1;
                long rev = Math.max(headerRev, nextRevision - 1);
                deliver(() -> listener.onEvents(events, rev));
            }
        }
    }

    /**
     * A node refused the stream with {@code error}: a refused token is renewed for the next stream; a user who may
     * not watch (or cannot authenticate, or a client without credentials) gets the watch canceled, since another
     * node would refuse it too.
     */
    private void refused(String token, RaftKvException error) {
        if (error instanceof RaftKvException.Unauthenticated && rpc.authenticates()) {
            rpc.tokenRefused(token);
        } else if (error instanceof RaftKvException.PermissionDenied || error instanceof RaftKvException.AuthFailed
                || error instanceof RaftKvException.Unauthenticated) {
            synchronized (this) {
                if (!closed) {
                    closed = true;
                    deliver(() -> listener.onCanceled(error.getMessage()));
                }
            }
            created.complete(null);
        }
    }

    private void ended(URI endpoint, int attempt, String token, Throwable cause) {
        Throwable c = cause == null ? null : Rpc.unwrap(cause);
        if (c instanceof HttpTransport.StreamFailure f) {
            try {
                Rpc.answer(f.response());
            } catch (RaftKvException refusal) {
                refused(token, refusal);
            }
        } else if (c instanceof RaftKvException refusal) {
            refused(token, refusal); // no token could be had
        }
        long pause;
        synchronized (this) {
            if (closed) {
                return;
            }
            failures++;
            pause = Math.min(MAX_PAUSE_MS, 50L << Math.min(6, failures));
        }
        rpc.endpoints().failed(endpoint);
        log.info("watch stream on {} ended ({}); resuming on another endpoint", endpoint,
                cause == null ? "closed" : Rpc.rootMessage(cause));
        CompletableFuture.delayedExecutor(pause, TimeUnit.MILLISECONDS).execute(() -> {
            long from;
            synchronized (this) {
                from = nextRevision;
            }
            URI next = open(attempt + 1);
            if (next != null) {
                synchronized (this) {
                    deliver(() -> listener.onResumed(next, from));
                }
            }
        });
    }

    // under this
    private void deliver(Runnable call) {
        delivered = delivered.thenRunAsync(call, callbacks).exceptionally(e -> {
            if (e.getCause() instanceof java.util.concurrent.RejectedExecutionException) {
                // The client is closing: what was still to be delivered goes with it.
                log.debug("watch event dropped: the client is closed");
            } else {
                log.warn("watch listener failed", e);
            }
            return null;
        });
    }

    private synchronized void closeStream() {
        if (stream != null) {
            stream.close();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        closeStream();
        created.complete(null);
    }
}
