package raftkv.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
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
            // By type and next to this switch: the client port names the handlers it installs after its own
            // fashion, and grpc-java's handlers follow them (a handler added last would write through grpc's
            // negotiation buffer, which holds writes until an HTTP/2 negotiation that never comes).
            ctx.pipeline().remove(HttpObjectAggregator.class);
            ctx.pipeline().remove(ApiHandler.class);
            ctx.pipeline().addAfter(ctx.name(), null, new WatchStream(node));
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
    }
}
