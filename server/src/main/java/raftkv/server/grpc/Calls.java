package raftkv.server.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.server.ops.ApiError;
import raftkv.server.ops.Caller;

/**
 * Answers gRPC calls from the operations' futures, with errors mapped as the JSON API maps them ({@link
 * ApiError#of}): etcd's gRPC code and etcd's message, which etcd's clients match to their typed errors.
 */
final class Calls {

    private static final Logger log = LoggerFactory.getLogger(Calls.class);

    private Calls() {
    }

    /** Runs {@code call} and answers its result, or its failure (thrown or completed) as a gRPC status. */
    static <T> void unary(StreamObserver<T> out, Supplier<CompletableFuture<T>> call) {
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((v, e) -> {
            if (e != null) {
                out.onError(status(e));
            } else {
                out.onNext(v);
                out.onCompleted();
            }
        });
    }

    /** The gRPC status a failure is answered with. */
    static StatusRuntimeException status(Throwable t) {
        ApiError e = ApiError.of(t);
        if (e.grpcCode() == ApiError.INTERNAL) {
            log.error("gRPC request failed", t);
        }
        return Status.fromCodeValue(e.grpcCode()).withDescription(e.message()).asRuntimeException();
    }

    /**
     * The client of a call that waits, told when the client cancels the call or its deadline passes (gRPC calls
     * the handler on the call's executor, the node's work pool). Must be asked for while the service method runs.
     */
    static Caller caller(StreamObserver<?> out) {
        Caller caller = new Caller();
        ((ServerCallStreamObserver<?>) out).setOnCancelHandler(caller::leave);
        return caller;
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
