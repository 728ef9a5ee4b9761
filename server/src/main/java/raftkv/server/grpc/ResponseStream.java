package raftkv.server.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The response side of one server stream, and the only way to it: grpc-java's stream observer is not thread-safe,
 * and it buffers without bound whatever it is given while the transport is not ready. Messages are queued here by
 * whichever thread produces them and handed to gRPC only while it is ready (its on-ready handler drains the rest),
 * so a reader that does not read costs at most the bound here: past it, {@link #offer} refuses (the caller decides
 * what that means), and a message that must go out anyway ({@link #send}) cuts off a reader with twice the bound
 * unread, ending the stream with RESOURCE_EXHAUSTED, as a watch stream's slow reader is cut off.
 *
 * <p>Threads: any; every method holds this object's lock, under which gRPC is called (its calls do not block).
 */
final class ResponseStream<T extends MessageLite> {

    private final ServerCallStreamObserver<T> out;
    private final long maxPendingBytes;
    private final ArrayDeque<T> queue = new ArrayDeque<>();
    private long pendingBytes;
    /** Completed, failed or cancelled: nothing more goes out. */
    private boolean ended;
    /** Complete once the queue is drained. */
    private boolean completing;

    /** Call during the service method: gRPC takes the on-ready handler only then. */
    ResponseStream(ServerCallStreamObserver<T> out, long maxPendingBytes) {
        this.out = out;
        this.maxPendingBytes = maxPendingBytes;
        out.setOnReadyHandler(this::drain);
    }

    /** Queues {@code messages}, all or none; false when the reader already has more than the bound unread. */
    synchronized boolean offer(List<T> messages) {
        if (ended || completing || pendingBytes > maxPendingBytes) {
            return false;
        }
        for (T m : messages) {
            queue.add(m);
            pendingBytes += m.getSerializedSize();
        }
        drain();
        return true;
    }

    synchronized boolean offer(T message) {
        return offer(List.of(message));
    }

    /** Queues a message that must go out even past the bound; cuts off a reader twice past it. */
    synchronized void send(T message) {
        if (ended || completing) {
            return;
        }
        if (pendingBytes > 2 * maxPendingBytes) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription("raftkv: the reader of this stream is too slow: "
                    + pendingBytes + " bytes unread").asRuntimeException());
            return;
        }
        queue.add(message);
        pendingBytes += message.getSerializedSize();
        drain();
    }

    /** Ends the stream (OK) once what is queued has gone out. */
    synchronized void complete() {
        completing = true;
        drain();
    }

    /** Ends the stream now with {@code status}; what is queued is dropped. */
    synchronized void fail(StatusRuntimeException status) {
        if (!ended) {
            ended = true;
            queue.clear();
            pendingBytes = 0;
            out.onError(status);
        }
    }

    /** The client cancelled the call (or the connection dropped): nothing more goes out. */
    synchronized void cancelled() {
        ended = true;
        queue.clear();
        pendingBytes = 0;
    }

    synchronized boolean ended() {
        return ended;
    }

    private synchronized void drain() {
        while (!ended && !queue.isEmpty() && out.isReady()) {
            T m = queue.poll();
            pendingBytes -= m.getSerializedSize();
            out.onNext(m);
        }
        if (!ended && completing && queue.isEmpty()) {
            ended = true;
            out.onCompleted();
        }
    }
}
