package raftkv.server.grpc;

import com.codahale.metrics.Timer;
import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import java.util.List;
import raftkv.server.Node;
import raftkv.server.ops.ApiError;

/** etcd's gRPC services as a node serves them, each behind the same metrics and request-size interceptor. */
public final class GrpcServices {

    private GrpcServices() {
    }

    public static void addTo(NettyServerBuilder b, Node node) {
        ServerInterceptor measured = new Measured(node);
        for (ServerServiceDefinition s : services(node)) {
            b.addService(ServerInterceptors.intercept(s, measured));
        }
    }

    static List<ServerServiceDefinition> services(Node node) {
        return List.of(
                new KvService(node).bindService());
    }

    /**
     * Times each call into {@code raftkv_grpc_<service>_<method>_seconds}, counts failed ones as the JSON API's
     * errors, and refuses a request message over the node's request limit as etcd does ({@code etcdserver: request
     * is too large}, INVALID_ARGUMENT): gRPC's own limit is set above it, for framing.
     */
    private static final class Measured implements ServerInterceptor {
        private final Node node;
        private final int maxRequestBytes;

        Measured(Node node) {
            this.node = node;
            this.maxRequestBytes = node.config().limits().maxRequestBytes();
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            String name = "grpc_" + call.getMethodDescriptor().getFullMethodName().toLowerCase()
                    .replaceAll("[^a-z]+", "_");
            Timer.Context timer = node.metrics().endpoint(name).time();
            ServerCall<Q, R> timed = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void close(Status status, Metadata trailers) {
                    timer.stop();
                    if (!status.isOk()) {
                        node.metrics().error();
                    }
                    super.close(status, trailers);
                }
            };
            ServerCall.Listener<Q> listener = next.startCall(timed, headers);
            if (!call.getMethodDescriptor().getType().clientSendsOneMessage()) {
                return listener; // streams: each message is small, and gRPC's own limit bounds it
            }
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                /** Set once the request is refused: the service never sees the call. Owned by gRPC's call thread. */
                private boolean refused;

                @Override
                public void onMessage(Q message) {
                    if (message instanceof Message m && m.getSerializedSize() > maxRequestBytes) {
                        refused = true;
                        ApiError e = ApiError.tooLarge(maxRequestBytes);
                        timed.close(Status.fromCodeValue(e.grpcCode()).withDescription(e.message()), new Metadata());
                        return;
                    }
                    super.onMessage(message);
                }

                @Override
                public void onHalfClose() {
                    if (!refused) {
                        super.onHalfClose();
                    }
                }
            };
        }
    }
}
