package raftkv.server.tls;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import javax.net.ssl.SSLException;

/**
 * The client port's server-side TLS context. It is built once: the key and trust managers behind it follow the
 * files, so each new connection gets the current material. The JDK's TLS provider: no native library to ship, and
 * fast enough for a client port.
 *
 * <p>ALPN: the server picks the first protocol of its own list that the client offers, and the list is
 * {@code http/1.1} first, then {@code h2}. gRPC clients (etcdctl, grpc-java) offer only {@code h2} and get it;
 * HTTP clients such as curl and the JDK's HttpClient offer both and get HTTP/1.1, the only version the JSON API
 * speaks (with {@code h2} they would land on gRPC). The port then tells the protocols apart by the first bytes
 * inside TLS, as it does without TLS, so a client without ALPN works too.
 */
public final class ClientPortTls {

    private ClientPortTls() {
    }

    /**
     * A server context presenting {@code credentials}' certificate. With a CA bundle, client certificates are asked
     * for and verified; {@code clientCertAuth} makes them required (a client without one fails the handshake).
     */
    public static SslContext serverContext(TlsCredentials credentials, boolean clientCertAuth) {
        SslContextBuilder b = SslContextBuilder.forServer(credentials.keyManager())
                .sslProvider(SslProvider.JDK)
                // HTTP/2 forbids the older cipher suites (RFC 9113, 9.2.2); gRPC clients refuse them.
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1, ApplicationProtocolNames.HTTP_2));
        if (credentials.trustManager() != null) {
            b.trustManager(credentials.trustManager())
                    .clientAuth(clientCertAuth ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        try {
            return b.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up the client port's TLS: " + e.getMessage(), e);
        }
    }
}
