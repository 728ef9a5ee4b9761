package raftkv.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import raftkv.server.Node;
import raftkv.server.ops.ApiError;

/**
 * The HTTP/1.1 JSON API's handlers for one connection: HTTP codec, keep-alive, the watch switch, a body aggregator
 * that answers oversized bodies with 413, an idle timeout that drops dead and half-closed connections, the web
 * console's static files ({@code /ui/}), and the router. The client port ({@code raftkv.server.ClientPort}) installs
 * them on a connection whose first bytes are not HTTP/2's preface.
 */
public final class HttpPipeline {

    private static final int IDLE_SECONDS = 300;

    private final Node node;
    private final ConsoleAssets console;
    private final ApiHandler router;
    private final int maxBody;

    public HttpPipeline(Node node) {
        this.node = node;
        this.console = new ConsoleAssets(HttpPipeline.class.getClassLoader(), node.work());
        this.router = new ApiHandler(node);
        this.maxBody = node.config().limits().maxRequestBytes();
    }

    /** New handlers for one connection, in pipeline order. */
    public ChannelHandler[] handlers() {
        return new ChannelHandler[] {
            new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS) {
                @Override
                protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
                    ctx.close();
                }
            },
            new HttpServerCodec(),
            new HttpServerKeepAliveHandler(),
            new WatchSwitch(node),
            new TooLargeAfterBody(node, maxBody),
            console,
            router,
        };
    }

    /**
     * A body aggregator that answers an oversized body with 413 only once the client has sent all of it (the
     * aggregator discards the rest meanwhile). Answering and closing at once would make the kernel reset a
     * connection the client is still writing to, and the reset can overtake the 413: the client would see no
     * answer at all. State is per connection, touched only on its event loop.
     */
    private static final class TooLargeAfterBody extends HttpObjectAggregator {
        private final Node node;
        /** Set while the rest of an oversized body is discarded: whether its request asked for keep-alive. */
        private Boolean tooLargeKeepAlive;

        TooLargeAfterBody(Node node, int maxBody) {
            super(maxBody);
            this.node = node;
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
                ApiHandler.write(ctx, Reply.error(ApiError.tooLarge()), keepAlive);
            }
        }
    }
}
