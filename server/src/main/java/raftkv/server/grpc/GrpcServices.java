package raftkv.server.grpc;

import com.codahale.metrics.Gauge;
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
import java.util.concurrent.atomic.AtomicInteger;
import raftkv.server.Node;
import raftkv.server.ops.ApiError;

/** etcd's gRPC services as a node serves them, each behind the same metrics and request-size interceptor. */
public final class GrpcServices {

    private GrpcServices() {
    }

    public static void addTo(NettyServerBuilder b, Node node) {
        ServerInterceptor measured = new Measured(node);
        ServerInterceptor authenticated = new Authenticated(node);
        for (ServerServiceDefinition s : services(node)) {
            // The last one listed runs first: measured, then authenticated, then the service.
            b.addService(ServerInterceptors.intercept(s, authenticated, measured));
        }
    }

    static List<ServerServiceDefinition> services(Node node) {
        return List.of(
                new KvService(node).bindService(),
                new WatchService(node).bindService(),
                LeaseService.definition(node),
                new ClusterService(node).definition(),
                new MaintenanceService(node).definition(),
                new AuthService(node).definition(),
                new LockService(node).bindService(),
                new ElectionService(node).bindService());
    }

    /**
     * Times each call into {@code raftkv_http_grpc_<service>_<method>_seconds}, counts failed ones as the JSON API's
     * errors, counts open streams ({@code raftkv_grpc_open_streams}: a stream a client abandons must not stay
     * open), and refuses a request message over the node's request limit as etcd does ({@code etcdserver: request
     * is too large}, INVALID_ARGUMENT): gRPC's own limit is set above it, for framing.
     */
    private static final class Measured implements ServerInterceptor {
        private final Node node;
        private final int maxRequestBytes;
        private final AtomicInteger openStreams = new AtomicInteger();
        /** Each method's timer, by its full name: named once, not on every call. */
        private final java.util.Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

        Measured(Node node) {
            this.node = node;
            this.maxRequestBytes = node.config().limits().maxRequestBytes();
            node.registry().register("raftkv_grpc_open_streams", (Gauge<Integer>) openStreams::get);
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            Timer.Context timer = timers.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(), m ->
                    node.metrics().endpoint("grpc_" + m.toLowerCase().replaceAll("[^a-z]+", "_"))).time();
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
                // Streams: each message is small, and gRPC's own limit bounds it. gRPC ends every call with
                // exactly one of onComplete and onCancel.
                openStreams.incrementAndGet();
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                    @Override
                    public void onComplete() {
                        openStreams.decrementAndGet();
                        super.onComplete();
                    }

                    @Override
                    public void onCancel() {
                        openStreams.decrementAndGet();
                        super.onCancel();
                    }
                };
            }
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                /** Set once the request is refused: the service never sees the call. Owned by gRPC's call thread. */
                private boolean refused;

                @Override
                public void onMessage(Q message) {
                    if (message instanceof Message m && m.getSerializedSize() > maxRequestBytes) {
                        refused = true;
                        ApiError e = ApiError.tooLarge();
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
