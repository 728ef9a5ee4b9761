package raftkv.server.http;

import raftkv.server.ops.ApiError;
import com.codahale.metrics.Timer;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;

/**
 * Routes each HTTP request to its endpoint. On the event loop it only copies the body and picks the route; the
 * endpoint runs on the node's work pool, and its reply is written back whenever it completes. Every failure becomes
 * a JSON error with etcd's code; a request never takes the connection or the node down with it.
 */
@ChannelHandler.Sharable
final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
    static final String LEADER_HEADER = "X-Raftkv-Leader";
    /**
     * The open, read-only paths a page from another origin may read: the web console served by one member asks
     * every member for its own status, health and metrics. Answered with {@code Access-Control-Allow-Origin: *}
     * (etcd's default {@code --cors}), but only these: they need no credentials, and a browser sends them as simple
     * requests (no preflight), so nothing else is opened to other origins.
     */
    static final Set<String> CROSS_ORIGIN = Set.of("/v3/maintenance/status", "/health", "/metrics", "/version",
            "/v3/cluster/member/list");

    private final Node node;
    private final Map<String, Endpoint> post = new HashMap<>();
    private final Map<String, Endpoint> get = new HashMap<>();

    ApiHandler(Node node) {
        this.node = node;
        new KvApi(node).register(post);
        new LeaseApi(node).register(post);
        new ClusterApi(node).register(post);
        new MaintenanceApi(node).register(post, get);
        new AuthApi(node).register(post);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            write(ctx, Reply.error(ApiError.badRequest("malformed HTTP request")), false);
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        HttpMethod method = req.method();
        Endpoint endpoint = (method.equals(HttpMethod.POST) ? post : method.equals(HttpMethod.GET) ? get : Map.<String,
                Endpoint>of()).get(path);
        if (endpoint == null) {
            ApiError e = post.containsKey(path) ? ApiError.methodNotAllowed(method.name(), path, "POST")
                    : get.containsKey(path) ? ApiError.methodNotAllowed(method.name(), path, "GET")
                    : ApiError.notFound(path);
            node.metrics().error();
            write(ctx, Reply.error(e), keepAlive);
            return;
        }
        // Who sends it is settled before its body is even read: a bad token, or none where one is needed, ends it here.
        Credentials who = HttpCredentials.of(ctx, req, node.config().tls().clientCertAuth());
        if (!HttpCredentials.OPEN.contains(path)) {
            try {
                node.guard().screen(who, true);
            } catch (RuntimeException e) {
                node.metrics().error();
                write(ctx, Reply.error(ApiError.of(e)), keepAlive);
                return;
            }
        }
        byte[] body = ByteBufUtil.getBytes(req.content());
        Timer.Context timer = node.metrics().endpoint(path.substring(1).replaceAll("[^a-z]+", "_")).time();
        try {
            boolean crossOrigin = CROSS_ORIGIN.contains(path);
            node.work().execute(() -> run(ctx, endpoint, body, who, keepAlive, crossOrigin, timer));
        } catch (RejectedExecutionException e) {
            write(ctx, Reply.error(ApiError.unavailable("etcdserver: server stopped")), false);
        }
    }

    private void run(ChannelHandlerContext ctx, Endpoint endpoint, byte[] body, Credentials who, boolean keepAlive,
                     boolean crossOrigin, Timer.Context timer) {
        CompletableFuture<Reply> reply;
        try {
            reply = endpoint.handle(body, who);
        } catch (Exception | Error e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((r, error) -> {
            timer.stop();
            if (error != null) {
                ApiError e = ApiError.of(error);
                if (e.grpcCode() == ApiError.INTERNAL) {
                    log.error("request failed", error);
                }
                node.metrics().error();
                r = Reply.error(e);
            }
            write(ctx, r, keepAlive, node.leaderClientUrl(), crossOrigin);
        });
    }

    static void write(ChannelHandlerContext ctx, Reply r, boolean keepAlive) {
        write(ctx, r, keepAlive, null, false);
    }

    /**
     * Writes a reply. {@code leader}, the client URL of the member this one follows (null when unknown), goes into
     * the {@value #LEADER_HEADER} header: clients send writes there directly, saving the forwarding hop.
     * {@code crossOrigin}: pages of any origin may read it (see {@link #CROSS_ORIGIN}).
     */
    static void write(ChannelHandlerContext ctx, Reply r, boolean keepAlive, String leader, boolean crossOrigin) {
        if (r.streamer() != null) {
            writeStream(ctx, r.streamer(), keepAlive);
            return;
        }
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(),
                Unpooled.wrappedBuffer(r.body()));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
        HttpUtil.setContentLength(resp, r.body().length);
        HttpUtil.setKeepAlive(resp, keepAlive);
        if (leader != null) {
            resp.headers().set(LEADER_HEADER, leader);
        }
        if (crossOrigin) {
            resp.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        }
        var f = ctx.writeAndFlush(resp);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** A streamed body on a thread of its own: chunked lines, each written only once the previous one left. */
    private static void writeStream(ChannelHandlerContext ctx, Reply.Streamer streamer, boolean keepAlive) {
        var head = new io.netty.handler.codec.http.DefaultHttpResponse(HttpVersion.HTTP_1_1,
                io.netty.handler.codec.http.HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, Reply.JSON);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, io.netty.handler.codec.http.HttpHeaderValues.CHUNKED);
        HttpUtil.setKeepAlive(head, keepAlive);
        ctx.writeAndFlush(head);
        Threads.daemon("raftkv-stream").newThread(() -> {
            try {
                streamer.stream(result -> {
                    byte[] line = raftkv.server.json.Json.encode(new raftkv.server.json.ResponseJson.Streamed(result));
                    byte[] withNewline = java.util.Arrays.copyOf(line, line.length + 1);
                    withNewline[line.length] = '\n';
                    ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                            Unpooled.wrappedBuffer(withNewline))).sync();
                });
                var f = ctx.writeAndFlush(io.netty.handler.codec.http.LastHttpContent.EMPTY_LAST_CONTENT);
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
            } catch (Exception e) {
                log.warn("stream to {} failed: {}", ctx.channel().remoteAddress(), e.toString());
                ctx.close(); // a half-sent stream must not look complete
            }
        }).start();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
