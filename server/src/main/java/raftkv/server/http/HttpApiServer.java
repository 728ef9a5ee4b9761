package raftkv.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.server.Node;

/**
 * The HTTP/1.1 JSON API on Netty. One pipeline, assembled here: HTTP codec, keep-alive, a body aggregator that
 * answers oversized bodies with 413, an idle timeout that drops dead and half-closed connections, and the router.
 */
public final class HttpApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpApiServer.class);
    private static final int IDLE_SECONDS = 300;

    private final EventLoopGroup boss = new NioEventLoopGroup(1);
    private final EventLoopGroup workers = new NioEventLoopGroup(Math.max(2,
            Runtime.getRuntime().availableProcessors()));
    private final Channel channel;

    private HttpApiServer(Node node, InetSocketAddress address) throws InterruptedException {
        ApiHandler router = new ApiHandler(node);
        int maxBody = node.config().limits().maxRequestBytes();
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS) {
                                    @Override
                                    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
                                        ctx.close();
                                    }
                                })
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpServerKeepAliveHandler())
                                .addLast("watch-switch", new WatchSwitch(node))
                                .addLast("aggregator", new TooLargeAfterBody(node, maxBody))
                                .addLast("router", router);
                    }
                });
        this.channel = b.bind(address).sync().channel();
        log.info("client API listening on http://{}:{}", address.getHostString(), address.getPort());
    }

    /**
     * A body aggregator that answers an oversized body with 413 only once the client has sent all of it (the
     * aggregator discards the rest meanwhile). Answering and closing at once would make the kernel reset a
     * connection the client is still writing to, and the reset can overtake the 413: the client would see no
     * answer at all. State is per connection, touched only on its event loop.
     */
    private static final class TooLargeAfterBody extends HttpObjectAggregator {
        private final Node node;
        private final int maxBody;
        /** Set while the rest of an oversized body is discarded: whether its request asked for keep-alive. */
        private Boolean tooLargeKeepAlive;

        TooLargeAfterBody(Node node, int maxBody) {
            super(maxBody);
            this.node = node;
            this.maxBody = maxBody;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            node.metrics().error();
            tooLargeKeepAlive = HttpUtil.isKeepAlive(oversized);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) throws Exception {
            super.decode(ctx, msg, out);
            if (tooLargeKeepAlive != null && msg instanceof LastHttpContent) {
                boolean keepAlive = tooLargeKeepAlive;
                tooLargeKeepAlive = null;
                ApiHandler.write(ctx, Reply.error(ApiError.tooLarge(maxBody)), keepAlive);
            }
        }
    }

    public static HttpApiServer start(Node node, InetSocketAddress address) {
        try {
            return new HttpApiServer(node, address);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding " + address, e);
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
