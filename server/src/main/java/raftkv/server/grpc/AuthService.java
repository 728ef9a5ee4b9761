package raftkv.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.AuthDisableRequest;
import io.etcd.jetcd.api.AuthDisableResponse;
import io.etcd.jetcd.api.AuthEnableRequest;
import io.etcd.jetcd.api.AuthEnableResponse;
import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthRoleAddRequest;
import io.etcd.jetcd.api.AuthRoleAddResponse;
import io.etcd.jetcd.api.AuthRoleDeleteRequest;
import io.etcd.jetcd.api.AuthRoleDeleteResponse;
import io.etcd.jetcd.api.AuthRoleGetRequest;
import io.etcd.jetcd.api.AuthRoleGetResponse;
import io.etcd.jetcd.api.AuthRoleGrantPermissionRequest;
import io.etcd.jetcd.api.AuthRoleGrantPermissionResponse;
import io.etcd.jetcd.api.AuthRoleListRequest;
import io.etcd.jetcd.api.AuthRoleListResponse;
import io.etcd.jetcd.api.AuthRoleRevokePermissionRequest;
import io.etcd.jetcd.api.AuthRoleRevokePermissionResponse;
import io.etcd.jetcd.api.AuthUserAddRequest;
import io.etcd.jetcd.api.AuthUserAddResponse;
import io.etcd.jetcd.api.AuthUserChangePasswordRequest;
import io.etcd.jetcd.api.AuthUserChangePasswordResponse;
import io.etcd.jetcd.api.AuthUserDeleteRequest;
import io.etcd.jetcd.api.AuthUserDeleteResponse;
import io.etcd.jetcd.api.AuthUserGetRequest;
import io.etcd.jetcd.api.AuthUserGetResponse;
import io.etcd.jetcd.api.AuthUserGrantRoleRequest;
import io.etcd.jetcd.api.AuthUserGrantRoleResponse;
import io.etcd.jetcd.api.AuthUserListRequest;
import io.etcd.jetcd.api.AuthUserListResponse;
import io.etcd.jetcd.api.AuthUserRevokeRoleRequest;
import io.etcd.jetcd.api.AuthUserRevokeRoleResponse;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.StatusRequest;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import raftkv.server.Node;
import raftkv.server.ops.AuthOps;
import raftkv.storage.KeyRange;
import raftkv.storage.auth.Permission;

/**
 * etcd's Auth service over {@link AuthOps}, the path the JSON API's {@code /v3/auth/*} takes too. Runs on gRPC's
 * call threads (the node's work pool).
 */
final class AuthService extends AuthGrpc.AuthImplBase {

    /** etcd's AuthStatus, absent from the generated stubs: an empty request, {@link EtcdWire#authStatus}'s answer. */
    private static final MethodDescriptor<StatusRequest, AuthEnableResponse> AUTH_STATUS = EtcdWire.unary(
            AuthGrpc.SERVICE_NAME, "AuthStatus", StatusRequest.getDefaultInstance(),
            AuthEnableResponse.getDefaultInstance());
    /** etcd 3.4's {@code AuthUserAddRequest.options} (field 3), newer than the stubs: {@code no_password} is its 1. */
    private static final int USER_ADD_OPTIONS = 3;

    private final Node node;
    private final AuthOps auth;

    AuthService(Node node) {
        this.node = node;
        this.auth = new AuthOps(node);
    }

    /** The service as gRPC serves it, with AuthStatus added. */
    ServerServiceDefinition definition() {
        return EtcdWire.extend(bindService(), ServerMethodDefinition.create(AUTH_STATUS,
                ServerCalls.asyncUnaryCall(this::authStatus)));
    }

    @Override
    public void authenticate(AuthenticateRequest request, StreamObserver<AuthenticateResponse> out) {
        Calls.unary(out, () -> auth.authenticate(request.getName(), request.getPassword()).thenApply(token ->
                AuthenticateResponse.newBuilder().setHeader(header()).setToken(token).build()));
    }

    @Override
    public void authEnable(AuthEnableRequest request, StreamObserver<AuthEnableResponse> out) {
        Calls.unary(out, () -> auth.enable(Authenticated.who()).thenApply(rev ->
                AuthEnableResponse.newBuilder().setHeader(header(rev)).build()));
    }

    @Override
    public void authDisable(AuthDisableRequest request, StreamObserver<AuthDisableResponse> out) {
        Calls.unary(out, () -> auth.disable(Authenticated.who()).thenApply(rev ->
                AuthDisableResponse.newBuilder().setHeader(header(rev)).build()));
    }

    private void authStatus(StatusRequest request, StreamObserver<AuthEnableResponse> out) {
        Calls.unary(out, () -> auth.status().thenApply(s ->
                EtcdWire.authStatus(header(), s.enabled(), s.authRevision())));
    }

    @Override
    public void userAdd(AuthUserAddRequest request, StreamObserver<AuthUserAddResponse> out) {
        Calls.unary(out, () -> auth.userAdd(Authenticated.who(), request.getName(), request.getPassword(),
                noPassword(request.getUnknownFields())).thenApply(rev ->
                AuthUserAddResponse.newBuilder().setHeader(header(rev)).build()));
    }

    @Override
    public void userGet(AuthUserGetRequest request, StreamObserver<AuthUserGetResponse> out) {
        Calls.unary(out, () -> auth.userGet(Authenticated.who(), request.getName()).thenApply(roles ->
                AuthUserGetResponse.newBuilder().setHeader(header()).addAllRoles(roles).build()));
    }

    @Override
    public void userList(AuthUserListRequest request, StreamObserver<AuthUserListResponse> out) {
        Calls.unary(out, () -> auth.userList(Authenticated.who()).thenApply(users ->
                AuthUserListResponse.newBuilder().setHeader(header()).addAllUsers(users).build()));
    }

    @Override
    public void userDelete(AuthUserDeleteRequest request, StreamObserver<AuthUserDeleteResponse> out) {
        Calls.unary(out, () -> auth.userDelete(Authenticated.who(), request.getName()).thenApply(rev ->
                AuthUserDeleteResponse.newBuilder().setHeader(header(rev)).build()));
    }

    @Override
    public void userChangePassword(AuthUserChangePasswordRequest request,
                                   StreamObserver<AuthUserChangePasswordResponse> out) {
        Calls.unary(out, () -> auth.userChangePassword(Authenticated.who(), request.getName(), request.getPassword())
                .thenApply(rev -> AuthUserChangePasswordResponse.newBuilder().setHeader(header(rev)).build()));
    }

    @Override
    public void userGrantRole(AuthUserGrantRoleRequest request, StreamObserver<AuthUserGrantRoleResponse> out) {
        Calls.unary(out, () -> auth.userGrantRole(Authenticated.who(), request.getUser(), request.getRole())
                .thenApply(rev -> AuthUserGrantRoleResponse.newBuilder().setHeader(header(rev)).build()));
    }

    @Override
    public void userRevokeRole(AuthUserRevokeRoleRequest request, StreamObserver<AuthUserRevokeRoleResponse> out) {
        Calls.unary(out, () -> auth.userRevokeRole(Authenticated.who(), request.getName(), request.getRole())
                .thenApply(rev -> AuthUserRevokeRoleResponse.newBuilder().setHeader(header(rev)).build()));
    }

    @Override
    public void roleAdd(AuthRoleAddRequest request, StreamObserver<AuthRoleAddResponse> out) {
        Calls.unary(out, () -> auth.roleAdd(Authenticated.who(), request.getName()).thenApply(rev ->
                AuthRoleAddResponse.newBuilder().setHeader(header(rev)).build()));
    }

    @Override
    public void roleGet(AuthRoleGetRequest request, StreamObserver<AuthRoleGetResponse> out) {
        Calls.unary(out, () -> auth.roleGet(Authenticated.who(), request.getRole()).thenApply(perms -> {
            AuthRoleGetResponse.Builder b = AuthRoleGetResponse.newBuilder().setHeader(header());
            for (Permission p : perms) {
                b.addPerm(io.etcd.jetcd.api.Permission.newBuilder()
                        .setPermTypeValue(p.type().ordinal())
                        .setKey(ByteString.copyFrom(p.range().key()))
                        .setRangeEnd(p.range().end() == null ? ByteString.EMPTY
                                : ByteString.copyFrom(p.range().end())));
            }
            return b.build();
        }));
    }

    @Override
    public void roleList(AuthRoleListRequest request, StreamObserver<AuthRoleListResponse> out) {
        Calls.unary(out, () -> auth.roleList(Authenticated.who()).thenApply(roles ->
                AuthRoleListResponse.newBuilder().setHeader(header()).addAllRoles(roles).build()));
    }

    @Override
    public void roleDelete(AuthRoleDeleteRequest request, StreamObserver<AuthRoleDeleteResponse> out) {
        Calls.unary(out, () -> auth.roleDelete(Authenticated.who(), request.getRole()).thenApply(rev ->
                AuthRoleDeleteResponse.newBuilder().setHeader(header(rev)).build()));
    }

    @Override
    public void roleGrantPermission(AuthRoleGrantPermissionRequest request,
                                    StreamObserver<AuthRoleGrantPermissionResponse> out) {
        Calls.unary(out, () -> {
            Permission p = null;
            if (request.hasPerm()) {
                io.etcd.jetcd.api.Permission perm = request.getPerm();
                Permission.Type[] types = Permission.Type.values();
                int type = perm.getPermTypeValue();
                if (type < 0 || type >= types.length) {
                    throw Protos.invalid("perm.permType", "unknown permission type " + type);
                }
                p = new Permission(types[type], keys(perm.getKey(), perm.getRangeEnd()));
            }
            return auth.roleGrantPermission(Authenticated.who(), request.getName(), p).thenApply(rev ->
                    AuthRoleGrantPermissionResponse.newBuilder().setHeader(header(rev)).build());
        });
    }

    @Override
    public void roleRevokePermission(AuthRoleRevokePermissionRequest request,
                                     StreamObserver<AuthRoleRevokePermissionResponse> out) {
        Calls.unary(out, () -> auth.roleRevokePermission(Authenticated.who(), request.getRole(),
                keys(request.getKey(), request.getRangeEnd())).thenApply(rev ->
                AuthRoleRevokePermissionResponse.newBuilder().setHeader(header(rev)).build()));
    }

    private static KeyRange keys(ByteString key, ByteString rangeEnd) {
        return new KeyRange(key.toByteArray(), rangeEnd.isEmpty() ? null : rangeEnd.toByteArray());
    }

    /** Reads etcd 3.4's {@code options.no_password} from the fields the older stubs keep as unknown. */
    private static boolean noPassword(UnknownFieldSet unknown) {
        UnknownFieldSet.Field options = unknown.getField(USER_ADD_OPTIONS);
        for (ByteString b : options.getLengthDelimitedList()) {
            try {
                CodedInputStream in = b.newCodedInput();
                for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                    if (tag == (1 << 3)) {
                        return in.readBool();
                    }
                    in.skipField(tag);
                }
            } catch (IOException e) {
                throw Protos.invalid("options", "cannot be read: " + e.getMessage());
            }
        }
        return false;
    }

    private ResponseHeader header() {
        return Protos.header(node, node.store().revision());
    }

    private ResponseHeader header(long revision) {
        return Protos.header(node, revision);
    }
}
