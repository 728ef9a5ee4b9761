package raftkv.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Set;
import raftkv.server.auth.Credentials;
import raftkv.server.tls.TlsIdentity;

/**
 * The credentials of an HTTP request: the token of its {@code Authorization} header (bare, as etcd's gateway takes
 * it, or after {@code Bearer}), and the user named by the connection's verified client certificate, if TLS asked
 * for one.
 */
final class HttpCredentials {

    /** Paths anyone may call, as in etcd: to authenticate, health checks, metrics and endpoint discovery. */
    static final Set<String> OPEN = Set.of("/v3/auth/authenticate", "/v3/auth/status", "/v3/maintenance/status",
            "/v3/cluster/member/list", "/health", "/version", "/metrics");

    private HttpCredentials() {
    }

    /**
     * The request's token, and the CN of the connection's verified client certificate when the node takes
     * certificates as credentials ({@code tls.clientCertAuth}, as etcd's {@code --client-cert-auth}).
     */
    static Credentials of(ChannelHandlerContext ctx, HttpRequest req, boolean clientCertAuth) {
        String token = Credentials.tokenOfHeader(req.headers().get(HttpHeaderNames.AUTHORIZATION));
        String certificateUser = clientCertAuth ? TlsIdentity.commonName(ctx.channel()).orElse(null) : null;
        return new Credentials(token, certificateUser);
    }
}
