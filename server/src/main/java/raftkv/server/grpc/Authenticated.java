package raftkv.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Set;
import javax.net.ssl.SSLSession;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;

/**
 * Takes each call's credentials, etcd's way: the {@code token} metadata (or an {@code authorization} header, as
 * its gateway forwards it), and the verified client certificate's CN. While authentication is on, a call with a
 * token that does not stand, or without credentials where they are needed, is ended here, before gRPC decodes a
 * single request message; the rest is checked by the operations, once per request, through the
 * {@link raftkv.server.auth.Guard}. The credentials ride in the call's gRPC {@link Context}, which the services
 * read with {@link #who()} on the thread that runs the call.
 */
final class Authenticated implements ServerInterceptor {

    private static final Context.Key<Credentials> CREDENTIALS = Context.key("raftkv-credentials");
    private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    /** What anyone may call, as in etcd: to authenticate, and what health checks and endpoint discovery read. */
    private static final Set<String> OPEN = Set.of("etcdserverpb.Auth/Authenticate", "etcdserverpb.Auth/AuthStatus",
            "etcdserverpb.Maintenance/Status", "etcdserverpb.Cluster/MemberList");

    private final Node node;

    Authenticated(Node node) {
        this.node = node;
    }

    /** The credentials of the call this thread runs (none outside a call). */
    static Credentials who() {
        Credentials c = CREDENTIALS.get();
        return c == null ? Credentials.NONE : c;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String token = headers.get(TOKEN);
        if (token == null || token.isBlank()) {
            token = Credentials.tokenOfHeader(headers.get(AUTHORIZATION));
        }
        Credentials who = new Credentials(token, certificateUser(call.getAttributes().get(
                Grpc.TRANSPORT_ATTR_SSL_SESSION)));
        if (!OPEN.contains(call.getMethodDescriptor().getFullMethodName())) {
            try {
                node.guard().screen(who, true);
            } catch (RuntimeException e) {
                call.close(Calls.status(e).getStatus(), new Metadata());
                return new ServerCall.Listener<>() { };
            }
        }
        return Contexts.interceptCall(Context.current().withValue(CREDENTIALS, who), call, headers, next);
    }

    /**
     * The user a verified client certificate names (its CN), if the client presented one and the node takes
     * certificates as credentials ({@code tls.clientCertAuth}, as etcd's {@code --client-cert-auth}).
     */
    private String certificateUser(SSLSession session) {
        if (session == null || !node.config().tls().clientCertAuth()) {
            return null;
        }
        return raftkv.server.tls.TlsIdentity.commonName(session).orElse(null);
    }
}
