package raftkv.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;
import raftkv.server.ops.ApiError;

/**
 * The web console: {@code GET /ui/...} answered from the static files under {@code ui/} in the server jar; any other
 * request goes on to the API's router. Nothing is fetched from elsewhere at run time, so the console works offline,
 * and it adds no server logic: the pages call the node's own JSON API.
 *
 * <p>A path is served only if it is a plain relative name ({@code js/keys.js}: letters, digits, {@code -} and
 * {@code _}, one dot before a known extension), so no {@code ..}, no absolute path and no encoded trick reaches the
 * class loader. Each file is read once, on the work pool (never an event loop), then kept in memory with a strong
 * ETag; responses say {@code no-cache}, so a browser revalidates every time and an upgraded node's console is
 * never stale, at the cost of a 304 per file.
 */
@ChannelHandler.Sharable
final class ConsoleAssets extends ChannelInboundHandlerAdapter {

    static final String PREFIX = "/ui/";
    private static final String ROOT = "ui/";
    private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\\.[a-z0-9]+");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json");
    /**
     * Scripts and styles from this node only; API calls to this node and, for the cluster page, to the other
     * members' client URLs (another origin); no framing, no plugins.
     */
    private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data: blob:; connect-src 'self' http: https:; object-src 'none'; base-uri 'none'; "
            + "frame-ancestors 'none'; form-action 'none'";

    /** A file as served: its bytes, content type and ETag. */
    record Asset(byte[] body, String contentType, String etag) {
    }

    private final ClassLoader loader;
    private final Executor work;
    /** Files already read, by path under {@code ui/}; absent files are not remembered. Any thread. */
    private final ConcurrentHashMap<String, Asset> cache = new ConcurrentHashMap<>();

    ConsoleAssets(ClassLoader loader, Executor work) {
        this.loader = loader;
        this.work = work;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req) || !req.decoderResult().isSuccess()) {
            ctx.fireChannelRead(msg);
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        if (!path.equals("/ui") && !path.startsWith(PREFIX)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!req.method().equals(HttpMethod.GET)) {
                ApiHandler.write(ctx, Reply.error(ApiError.methodNotAllowed(req.method().name(), path, "GET")),
                        keepAlive);
            } else if (path.equals("/ui")) {
                // Relative URLs in the page resolve against /ui/, not /.
                FullHttpResponse moved = response(HttpResponseStatus.MOVED_PERMANENTLY, new byte[0]);
                moved.headers().set(HttpHeaderNames.LOCATION, PREFIX);
                send(ctx, moved, keepAlive);
            } else {
                serve(ctx, path, req.headers().get(HttpHeaderNames.IF_NONE_MATCH), keepAlive);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void serve(ChannelHandlerContext ctx, String path, String ifNoneMatch, boolean keepAlive) {
        String name = path.substring(PREFIX.length());
        if (name.isEmpty()) {
            name = "index.html";
        }
        if (!SAFE_PATH.matcher(name).matches() || !TYPES.containsKey(extension(name))) {
            ApiHandler.write(ctx, Reply.error(ApiError.notFound(path)), keepAlive);
            return;
        }
        Asset cached = cache.get(name);
        if (cached != null) {
            answer(ctx, path, cached, ifNoneMatch, keepAlive);
            return;
        }
        String file = name;
        try {
            work.execute(() -> {
                Asset asset;
                try {
                    asset = load(file).orElse(null);
                } catch (RuntimeException e) {
                    ApiHandler.write(ctx, Reply.error(ApiError.of(e)), keepAlive);
                    return;
                }
                if (asset != null) {
                    cache.putIfAbsent(file, asset);
                }
                answer(ctx, path, asset, ifNoneMatch, keepAlive);
            });
        } catch (RejectedExecutionException e) {
            ApiHandler.write(ctx, Reply.error(ApiError.unavailable("etcdserver: server stopped")), false);
        }
    }

    private static void answer(ChannelHandlerContext ctx, String path, Asset asset, String ifNoneMatch,
                               boolean keepAlive) {
        if (asset == null) {
            ApiHandler.write(ctx, Reply.error(ApiError.notFound(path)), keepAlive);
            return;
        }
        boolean unchanged = asset.etag().equals(ifNoneMatch);
        FullHttpResponse resp = response(unchanged ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
                unchanged ? new byte[0] : asset.body());
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, asset.contentType());
        resp.headers().set(HttpHeaderNames.ETAG, asset.etag());
        resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        resp.headers().set("Content-Security-Policy", CSP);
        resp.headers().set("X-Content-Type-Options", "nosniff");
        resp.headers().set("Referrer-Policy", "no-referrer");
        send(ctx, resp, keepAlive);
    }

    /** A file under {@code ui/}, read from the class path; empty if there is none. */
    Optional<Asset> load(String name) {
        try (InputStream in = loader.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] body = in.readAllBytes();
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            String etag = "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
            return Optional.of(new Asset(body, TYPES.get(extension(name)), etag));
        } catch (IOException e) {
            throw new UncheckedIOException("reading the console's " + name, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static String extension(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    private static FullHttpResponse response(HttpResponseStatus status, byte[] body) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        HttpUtil.setContentLength(resp, body.length);
        return resp;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse resp, boolean keepAlive) {
        HttpUtil.setKeepAlive(resp, keepAlive);
        var f = ctx.writeAndFlush(resp);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
