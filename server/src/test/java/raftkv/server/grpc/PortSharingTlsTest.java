package raftkv.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.server.tls.ClientPortTls;
import raftkv.server.tls.ClientSsl;
import raftkv.server.tls.TlsCredentials;
import raftkv.server.tls.TlsIdentity;
import raftkv.server.tools.CertTool;

/**
 * The shared client port with TLS: gRPC and HTTP/1.1 both inside TLS, each able to tell who the client is from
 * its certificate; plaintext and certificates of other CAs refused.
 */
class PortSharingTlsTest {

    @TempDir
    Path dir;

    private Server server;
    private int port;
    private final AtomicReference<SSLSession> grpcSession = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        CertTool.Issued ca = CertTool.newCa("test CA");
        ca.write(dir, "ca");
        CertTool.member(ca, "node-1", List.of()).write(dir, "node-1");
        CertTool.client(ca, "root").write(dir, "root");
        CertTool.Issued otherCa = CertTool.newCa("other CA");
        otherCa.write(dir, "other-ca");
        CertTool.client(otherCa, "root").write(dir, "intruder");

        TlsCredentials credentials = TlsCredentials.load("client", dir.resolve("node-1.pem"),
                dir.resolve("node-1-key.pem"), dir.resolve("ca.pem"));
        ServerInterceptor sessions = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                grpcSession.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                return next.startCall(call, headers);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .protocolNegotiator(new PortSharing(PortSharingTlsTest::http1,
                        ClientPortTls.serverContext(credentials, true)))
                .handshakeTimeout(Long.MAX_VALUE, TimeUnit.NANOSECONDS)
                .addService(ServerInterceptors.intercept(new KVGrpc.KVImplBase() {
                    @Override
                    public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
                        response.onNext(RangeResponse.newBuilder().setCount(7).build());
                        response.onCompleted();
                    }
                }, sessions))
                .build().start();
        port = server.getPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** An HTTP/1.1 API that answers with the CN of the client's certificate. */
    private static ChannelHandler[] http1() {
        return new ChannelHandler[] {new HttpServerCodec(), new HttpObjectAggregator(1 << 16),
            new SimpleChannelInboundHandler<FullHttpRequest>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                    byte[] body = TlsIdentity.commonName(ctx.channel()).orElse("-")
                            .getBytes(StandardCharsets.UTF_8);
                    var r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.wrappedBuffer(body));
                    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
                    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                }
            }};
    }

    @Test
    void grpcCallsCarryTheTlsSessionOfTheClientCertificate() throws Exception {
        ManagedChannel channel = grpcChannel("root");
        try {
            assertEquals(7, KVGrpc.newBlockingStub(channel).range(RangeRequest.getDefaultInstance()).getCount());
            assertEquals("root", TlsIdentity.commonName(grpcSession.get()).orElseThrow());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void httpRequestsFindTheirClientCertificateOnThePipeline() throws Exception {
        HttpResponse<String> r = https("root");
        assertEquals(200, r.statusCode());
        assertEquals("root", r.body());
    }

    /** curl and the JDK's HttpClient offer h2 and http/1.1 by ALPN; they must get the JSON API, not gRPC. */
    @Test
    void httpClientsThatOfferHttp2GetHttp1() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(ClientSsl.fromPem(dir.resolve("ca.pem"), dir.resolve("root.pem"),
                        dir.resolve("root-key.pem"))).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_1_1, r.version());
        assertEquals("root", r.body());
    }

    @Test
    void plaintextIsRefused() throws Exception {
        HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString()));
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> KVGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).range(RangeRequest.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
        } finally {
            channel.shutdownNow();
        }
        // Raw bytes get no answer: the connection is closed.
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            int first = s.getInputStream().read();
            assertTrue(first == -1 || first == 0x15, "closed or a TLS alert, not an HTTP answer: " + first);
        }
    }

    @Test
    void aCertificateFromAnotherCaIsRefused() throws Exception {
        assertThrows(IOException.class, () -> https("intruder"));
        ManagedChannel channel = grpcChannel("intruder");
        try {
            assertThrows(StatusRuntimeException.class, () -> KVGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).range(RangeRequest.getDefaultInstance()));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aClientWithoutCertificateIsRefusedUnderClientCertAuth() {
        HttpClient noCert = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .sslContext(ClientSsl.fromPem(dir.resolve("ca.pem"), null, null)).build();
        assertThrows(IOException.class, () -> noCert.send(HttpRequest.newBuilder(
                URI.create("https://127.0.0.1:" + port + "/health")).build(), HttpResponse.BodyHandlers.ofString()));
    }

    private HttpResponse<String> https(String client) throws Exception {
        SSLContext ssl = ClientSsl.fromPem(dir.resolve("ca.pem"), dir.resolve(client + ".pem"),
                dir.resolve(client + "-key.pem"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl).build();
        return http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private ManagedChannel grpcChannel(String client) throws Exception {
        return NettyChannelBuilder.forAddress("127.0.0.1", port)
                .sslContext(GrpcSslContexts.forClient().trustManager(dir.resolve("ca.pem").toFile())
                        .keyManager(dir.resolve(client + ".pem").toFile(), dir.resolve(client + "-key.pem").toFile())
                        .build())
                .build();
    }
}
