package raftkv.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import raftkv.server.Node;

/**
 * Turns a connection into a watch stream when its request is {@code POST /v3/watch}: the body of a watch is read as
 * it arrives instead of aggregated, so the aggregator and router make way for a {@link WatchStream}.
 */
final class WatchSwitch extends ChannelInboundHandlerAdapter {

    private final Node node;

    WatchSwitch(Node node) {
        this.node = node;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req && req.method().equals(HttpMethod.POST)
                && new QueryStringDecoder(req.uri()).path().equals("/v3/watch")) {
            ctx.pipeline().remove("aggregator");
            ctx.pipeline().remove("router");
            ctx.pipeline().addLast("watch", new WatchStream(node));
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
    }
}
