package raftkv.server.grpc;

import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import raftkv.raft.Query;
import raftkv.server.Node;
import raftkv.server.ops.LeaseOps;

/**
 * One call of etcd's {@code LeaseKeepAlive} stream: each request {@code {ID}} renews the lease on the leader and is
 * answered {@code {header, ID, TTL}}, with TTL 0 for a lease that is gone, as etcd answers; a renewal that fails
 * (no leader, timeout) ends the stream with that failure, as with etcd, and its clients open another. Renewals run
 * side by side, up to {@link #MAX_IN_FLIGHT}, and are answered as they complete (clients match answers by ID), so
 * one stuck on a leader that just died does not hold back the next. A half-close ends the call once the renewals
 * in flight are answered; a cancelled call leaves nothing behind (a renewal in flight finds the stream ended).
 *
 * <p>Threads: gRPC calls the request side and the cancel handler one at a time; renewals complete on Ratis'
 * client threads, which answer through the {@link ResponseStream}. The counters are guarded by this object's lock.
 */
final class KeepAliveCall implements StreamObserver<LeaseKeepAliveRequest> {

    static final int MAX_IN_FLIGHT = 64;
    /** Answers are 30-odd bytes: a client this far behind in reading them is not reading. */
    private static final long MAX_PENDING_BYTES = 256L << 10;

    /** The stream's credentials, taken when it opens (gRPC sends metadata once per call). */
    private final raftkv.server.auth.Credentials who;
    private final Node node;
    private final LeaseOps leases;
    private final ServerCallStreamObserver<LeaseKeepAliveResponse> call;
    private final ResponseStream<LeaseKeepAliveResponse> responses;
    private int inFlight;
    private boolean halfClosed;

    /** Call during the service method: gRPC takes the handlers and the flow control only then. */
    KeepAliveCall(Node node, LeaseOps leases, ServerCallStreamObserver<LeaseKeepAliveResponse> call) {
        this.node = node;
        this.leases = leases;
        this.call = call;
        // Resolved once: a stream may outlast the token it opened with (it goes on as that user, checked each time).
        raftkv.server.auth.Credentials presented = Authenticated.who();
        raftkv.server.auth.Credentials resolved;
        try {
            resolved = node.guard().resolved(presented);
        } catch (RuntimeException e) {
            resolved = presented; // each renewal then answers the refusal itself
        }
        this.who = resolved;
        this.responses = new ResponseStream<>(call, MAX_PENDING_BYTES);
        call.disableAutoRequest();
        call.setOnCancelHandler(responses::cancelled);
        call.request(1);
    }

    @Override
    public void onNext(LeaseKeepAliveRequest request) {
        if (responses.ended()) {
            return; // a renewal failed and ended the stream: renew nothing more for it
        }
        long id = request.getID();
        boolean readMore;
        synchronized (this) {
            readMore = ++inFlight < MAX_IN_FLIGHT;
        }
        if (readMore) {
            call.request(1);
        }
        CompletableFuture<Query.LeaseState> renewal;
        try {
            renewal = leases.keepAlive(who, id);
        } catch (RuntimeException e) {
            renewal = CompletableFuture.failedFuture(e);
        }
        renewal.whenComplete((state, e) -> {
            if (e != null) {
                responses.fail(Calls.status(e));
            } else {
                responses.send(LeaseKeepAliveResponse.newBuilder()
                        .setHeader(Protos.header(node, node.store().revision())).setID(id)
                        .setTTL(Math.max(0, state.ttl())).build());
            }
            answered();
        });
    }

    private void answered() {
        boolean readMore;
        boolean end;
        synchronized (this) {
            readMore = inFlight-- == MAX_IN_FLIGHT;
            end = halfClosed && inFlight == 0;
        }
        if (readMore) {
            call.request(1);
        }
        if (end) {
            responses.complete();
        }
    }

    @Override
    public void onCompleted() {
        boolean end;
        synchronized (this) {
            halfClosed = true;
            end = inFlight == 0;
        }
        if (end) {
            responses.complete();
        }
    }

    @Override
    public void onError(Throwable t) {
        responses.cancelled();
    }
}
