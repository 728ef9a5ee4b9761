package raftkv.server.grpc;

import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import raftkv.raft.watch.WatchMessage;
import raftkv.raft.watch.WatchSpec;
import raftkv.server.ClientPort;
import raftkv.server.Node;
import raftkv.server.ops.ApiError;
import raftkv.server.ops.WatchSession;
import raftkv.storage.Event;

/**
 * One call of etcd's {@code Watch} stream: its requests are turned into a {@link WatchSession}'s creates, cancels
 * and progress requests (the path the JSON API's watch stream takes too), and the session's messages into
 * {@code WatchResponse}s, fragmented for a watch that asked for it. A malformed request ends the stream with
 * INVALID_ARGUMENT naming the field; a create whose ReadIndex round fails ends it with that failure (UNAVAILABLE,
 * which etcd's clients retry, resuming every watch of the stream). A client that cancels the call, or whose
 * connection drops, leaves nothing behind; one that half-closes keeps its watches, as with etcd, and the call ends
 * when the last of them does.
 *
 * <p>Threads: gRPC calls the request side and the cancel handler one at a time; the session's effects run on the
 * node's work pool; the hub's dispatcher thread renders watch messages. Every write goes through one
 * {@link ResponseStream}, which serializes them and bounds what a slow reader leaves queued. Requests are read
 * while fewer than {@link #MAX_UNFINISHED} of them wait for their effect, so a client cannot queue work without
 * bound either.
 */
final class WatchCall implements StreamObserver<WatchRequest>, WatchSession.Replies {

    static final int MAX_UNFINISHED = 64;

    private final Node node;
    private final ServerCallStreamObserver<WatchResponse> call;
    private final ResponseStream<WatchResponse> responses;
    private final WatchSession session;
    /** etcd's limit for a response split into fragments: the request limit plus room for gRPC's framing. */
    private final long fragmentBytes;
    private final AtomicInteger unfinished = new AtomicInteger();
    private volatile boolean halfClosed;

    /** Call during the service method: gRPC takes the handlers and the flow control only then. */
    WatchCall(Node node, ServerCallStreamObserver<WatchResponse> call) {
        this.node = node;
        this.call = call;
        this.responses = new ResponseStream<>(call, WatchSession.MAX_PENDING_BYTES);
        this.session = new WatchSession(node, this, node.work(), Authenticated.who());
        this.fragmentBytes = (long) node.config().limits().maxRequestBytes() + ClientPort.GRPC_OVERHEAD_BYTES;
        call.disableAutoRequest();
        call.setOnCancelHandler(this::abandoned);
        // The server may end the call itself (a slow reader cut off, a failed create): gRPC then says onClose,
        // not onCancel, and the session's other watches must go too.
        call.setOnCloseHandler(this::abandoned);
        call.request(1);
    }

    @Override
    public void onNext(WatchRequest request) {
        if (responses.ended()) {
            return;
        }
        CompletableFuture<Void> effect;
        try {
            effect = switch (request.getRequestUnionCase()) {
                case CREATE_REQUEST -> create(request.getCreateRequest());
                case CANCEL_REQUEST -> session.cancel(request.getCancelRequest().getWatchId());
                case PROGRESS_REQUEST -> session.requestProgress();
                // etcd ignores a request it does not know rather than end the stream
                default -> CompletableFuture.completedFuture(null);
            };
        } catch (ApiError.ApiException e) {
            session.close();
            responses.fail(Calls.status(e));
            return;
        }
        int n = unfinished.incrementAndGet();
        effect.whenComplete((v, e) -> {
            if (unfinished.getAndDecrement() == MAX_UNFINISHED) {
                call.request(1); // the read stopped at this many
            }
        });
        if (n < MAX_UNFINISHED) {
            call.request(1);
        }
    }

    private CompletableFuture<Void> create(WatchCreateRequest c) {
        boolean noPut = false;
        boolean noDelete = false;
        for (int i = 0; i < c.getFiltersCount(); i++) {
            switch (c.getFiltersValue(i)) {
                case WatchCreateRequest.FilterType.NOPUT_VALUE -> noPut = true;
                case WatchCreateRequest.FilterType.NODELETE_VALUE -> noDelete = true;
                default -> throw Protos.invalid("create_request.filters[" + i + "]",
                        "unknown value " + c.getFiltersValue(i));
            }
        }
        long watchId = EtcdWire.watchId(c);
        WatchSpec spec = WatchSession.spec(c.getKey().toByteArray(),
                c.getRangeEnd().isEmpty() ? null : c.getRangeEnd().toByteArray(), c.getStartRevision(), watchId,
                c.getPrevKv(), noPut, noDelete, c.getProgressNotify(), "create_request.");
        return session.create(spec, watchId, EtcdWire.fragment(c));
    }

    @Override
    public boolean offer(WatchMessage m, boolean fragment) {
        WatchResponse r = render(m);
        if (m.canceled()) {
            responses.send(r); // the client must learn that the watch ended, even past the bound
            if (halfClosed) {
                endIfIdle();
            }
            return true;
        }
        return responses.offer(fragment ? WatchFragments.split(r, fragmentBytes) : List.of(r));
    }

    private WatchResponse render(WatchMessage m) {
        WatchResponse.Builder b = WatchResponse.newBuilder().setHeader(Protos.header(node, m.revision()))
                .setWatchId(m.watchId()).setCreated(m.created()).setCanceled(m.canceled())
                .setCompactRevision(m.compactRevision());
        if (m.cancelReason() != null) {
            b.setCancelReason(m.cancelReason());
        }
        for (Event e : m.events()) {
            b.addEvents(Protos.event(e));
        }
        return b.build();
    }

    @Override
    public void createFailed(long watchId, Throwable cause) {
        session.close();
        responses.fail(Calls.status(cause));
    }

    /** The client half-closed: it can ask for nothing more, so the call ends when its last watch does. */
    @Override
    public void onCompleted() {
        halfClosed = true;
        session.whenDone(this::endIfIdle);
    }

    private void endIfIdle() {
        if (session.watchCount() == 0) {
            session.close();
            responses.complete();
        }
    }

    @Override
    public void onError(Throwable t) {
        abandoned();
    }

    private void abandoned() {
        session.close();
        responses.cancelled();
    }
}
