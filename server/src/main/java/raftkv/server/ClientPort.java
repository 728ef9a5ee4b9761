package raftkv.server;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.server.grpc.GrpcServices;
import raftkv.server.grpc.PortSharing;
import raftkv.server.http.HttpPipeline;

/**
 * The client port: etcd's gRPC API and its JSON gateway on one listener, as etcd serves them. grpc-java's Netty
 * server owns the socket; {@link PortSharing} gives each connection that does not open with HTTP/2's preface to the
 * HTTP/1.1 JSON API instead. Both share the event loops, and both hand requests to the node's work pool. With
 * client TLS configured, the port speaks only TLS, and the sharing happens inside it.
 */
public final class ClientPort implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClientPort.class);
    /**
     * Room for gRPC's framing above the request limit; the services check the limit itself (etcd's 512 KiB). Also the
     * room etcd gives a watch response above the limit before it splits it for a client that asked for fragments.
     */
    public static final int GRPC_OVERHEAD_BYTES = 512 << 10;

    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(Math.max(2,
            Runtime.getRuntime().availableProcessors()));
    private final Server server;

    private ClientPort(Node node, InetSocketAddress address) throws IOException {
        HttpPipeline http = new HttpPipeline(node);
        NettyServerBuilder b = NettyServerBuilder.forAddress(address)
                .channelType(NioServerSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .withOption(ChannelOption.SO_BACKLOG, 1024)
                .withChildOption(ChannelOption.TCP_NODELAY, true)
                .protocolNegotiator(new PortSharing(http::handlers, node.tls().clientContext()))
                // grpc-java's handshake timeout ends only on an HTTP/2 SETTINGS frame: it would close every HTTP/1.1
                // connection after it (120 s by default). PortSharing times out undecided connections itself.
                .handshakeTimeout(Long.MAX_VALUE, TimeUnit.NANOSECONDS)
                .executor(node.work())
                .maxInboundMessageSize(node.config().limits().maxRequestBytes() + GRPC_OVERHEAD_BYTES)
                // etcd's keepalive enforcement: clients may ping every 5 s, with or without calls in flight.
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true);
        GrpcServices.addTo(b, node);
        this.server = b.build().start();
        log.info("client API (gRPC and HTTP/JSON{}) listening on {}:{}",
                node.tls().clientContext() == null ? "" : ", TLS only", address.getHostString(), address.getPort());
    }

    public static ClientPort start(Node node, InetSocketAddress address) {
        try {
            return new ClientPort(node, address);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
