package raftkv.server.grpc;

import io.etcd.jetcd.api.AuthDisableRequest;
import io.etcd.jetcd.api.AuthDisableResponse;
import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthEnableResponse;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import raftkv.server.Node;
import raftkv.server.ops.ApiError;

/**
 * etcd's Auth service for a cluster that has no users or roles: answers as etcd does while authentication is off
 * (Authenticate refused, AuthDisable a no-op, AuthEnable refused for want of a root user, AuthStatus disabled), and
 * refuses user and role management plainly, since raftkv has nowhere to keep them yet. Runs on gRPC's call threads.
 */
final class AuthService extends AuthGrpc.AuthImplBase {

    /** The revision etcd's auth store reports before its first change. */
    private static final long AUTH_REVISION = 1;

    /** etcd's AuthStatus, absent from the generated stubs: an empty request, {@link EtcdWire#authStatus}'s answer. */
    private static final MethodDescriptor<StatusRequest, AuthEnableResponse> AUTH_STATUS = EtcdWire.unary(
            AuthGrpc.SERVICE_NAME, "AuthStatus", StatusRequest.getDefaultInstance(),
            AuthEnableResponse.getDefaultInstance());

    private final Node node;

    AuthService(Node node) {
        this.node = node;
    }

    /**
     * The service as gRPC serves it: AuthStatus added, and every User* and Role* method (thirteen, all unary)
     * answering that users and roles do not exist here rather than gRPC's bare "method is unimplemented".
     */
    ServerServiceDefinition definition() {
        ServerServiceDefinition base = bindService();
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(base.getServiceDescriptor());
        for (ServerMethodDefinition<?, ?> m : base.getMethods()) {
            String name = m.getMethodDescriptor().getBareMethodName();
            if (name != null && (name.startsWith("User") || name.startsWith("Role"))) {
                b.addMethod(refused(m.getMethodDescriptor()));
            } else {
                b.addMethod(m);
            }
        }
        return EtcdWire.extend(b.build(), ServerMethodDefinition.create(AUTH_STATUS,
                ServerCalls.asyncUnaryCall(this::authStatus)));
    }

    private static <Q, R> ServerMethodDefinition<Q, R> refused(MethodDescriptor<Q, R> method) {
        return ServerMethodDefinition.create(method, ServerCalls.asyncUnaryCall((Q request, StreamObserver<R> out) ->
                out.onError(Calls.status(new ApiError.ApiException(ApiError.unimplemented(
                        "raftkv: users and roles are not implemented yet"))))));
    }

    @Override
    public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> out) {
        out.onError(Calls.status(failedPrecondition("etcdserver: authentication is not enabled")));
    }

    /** etcd's answer to enabling authentication on a cluster without a root user. */
    @Override
    public void authEnable(AuthEnableRequest request, StreamObserver<AuthEnableResponse> out) {
        out.onError(Calls.status(failedPrecondition("etcdserver: root user does not exist")));
    }

    @Override
    public void authDisable(AuthDisableRequest request, StreamObserver<AuthDisableResponse> out) {
        Calls.unary(out, () -> CompletableFuture.completedFuture(AuthDisableResponse.newBuilder()
                .setHeader(Protos.header(node, node.store().revision())).build()));
    }

    private void authStatus(StatusRequest request, StreamObserver<AuthEnableResponse> out) {
        Calls.unary(out, () -> CompletableFuture.completedFuture(EtcdWire.authStatus(
                Protos.header(node, node.store().revision()), false, AUTH_REVISION)));
    }

    private static ApiError.ApiException failedPrecondition(String message) {
        return new ApiError.ApiException(ApiError.failedPrecondition(message));
    }
}
