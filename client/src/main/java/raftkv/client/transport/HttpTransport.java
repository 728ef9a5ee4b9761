package raftkv.client.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.SimpleChannelPool;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * HTTP/1.1 to the nodes' JSON API over Netty: a pool of keep-alive connections per endpoint for request/response
 * calls, and one connection per stream (watch) whose response body is read line by line.
 *
 * <p>{@code https://} endpoints are spoken to over TLS with the {@link SslContext} given (trust, client certificate
 * and hostname verification are its settings); a request is written only once the handshake has succeeded, so a
 * refused certificate is a failure that provably never sent anything ({@link SendFailure#tlsRefused()}).
 *
 * <p>Every request may carry a token in the {@code Authorization} header, raw as etcd's gateway takes it.
 *
 * <p>Failures say whether the request may have reached the node ({@link SendFailure#mayHaveBeenSent()}), which is
 * what decides whether a write can be retried elsewhere. Thread-safe; callbacks run on Netty's event loop and must
 * not block.
 */
public final class HttpTransport implements Closeable {

    private static final AttributeKey<CompletableFuture<Response>> PENDING = AttributeKey.valueOf("raftkv.pending");
    private static final int MAX_RESPONSE_BYTES = 64 << 20;

    /** The header in which a member names the client URL of its leader. */
    public static final String LEADER_HEADER = "X-Raftkv-Leader";

    /** A response: its HTTP status, body, and the leader the member named (null when it named none). */
    public record Response(int status, byte[] body, String leader) {
        public Response(int status, byte[] body) {
            this(status, body, null);
        }
    }

    /** A request that failed in transport; {@code mayHaveBeenSent} is false only when it never left this process. */
    public static final class SendFailure extends RuntimeException {
        private final boolean mayHaveBeenSent;

        SendFailure(String message, Throwable cause, boolean mayHaveBeenSent) {
            super(message, cause);
            this.mayHaveBeenSent = mayHaveBeenSent;
        }

        public boolean mayHaveBeenSent() {
            return mayHaveBeenSent;
        }

        /** TLS failed: a certificate refused by either side. Another attempt at the same node would fail alike. */
        public boolean tlsRefused() {
            return getCause() instanceof SSLException && !(getCause() instanceof SslHandshakeTimeoutException);
        }
    }

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final ConcurrentHashMap<URI, SimpleChannelPool> pools = new ConcurrentHashMap<>();
    private final SslContext tls;
    private final long handshakeTimeoutMillis;

    /** A transport for {@code http://} endpoints only. */
    public HttpTransport(Duration connectTimeout) {
        this(connectTimeout, null);
    }

    /** A transport that speaks TLS with {@code tls} to {@code https://} endpoints (null: none are allowed). */
    public HttpTransport(Duration connectTimeout, SslContext tls) {
        this.tls = tls;
        this.handshakeTimeoutMillis = Math.max(1_000, connectTimeout.toMillis());
        this.group = new NioEventLoopGroup(2, new DefaultThreadFactory("raftkv-client", true));
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
    }

    /** POSTs {@code body} to {@code endpoint + path}; completes with the response, or a {@link SendFailure}. */
    public CompletableFuture<Response> post(URI endpoint, String path, byte[] body, Duration timeout) {
        return post(endpoint, path, body, timeout, null);
    }

    /** As {@link #post(URI, String, byte[], Duration)}, with {@code token} (null: none) as its authorization. */
    public CompletableFuture<Response> post(URI endpoint, String path, byte[] body, Duration timeout, String token) {
        return send(HttpMethod.POST, endpoint, path, body, timeout, token);
    }

    /** GETs {@code endpoint + path} (health, version, metrics). */
    public CompletableFuture<Response> get(URI endpoint, String path, Duration timeout) {
        return send(HttpMethod.GET, endpoint, path, new byte[0], timeout, null);
    }

    private CompletableFuture<Response> send(HttpMethod method, URI endpoint, String path, byte[] body,
                                             Duration timeout, String token) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        SimpleChannelPool pool;
        try {
            pool = pools.computeIfAbsent(endpoint, this::newPool);
        } catch (IllegalArgumentException noTls) {
            result.completeExceptionally(new SendFailure(noTls.getMessage(), noTls, false));
            return result;
        }
        pool.acquire().addListener(acquired -> {
            if (!acquired.isSuccess()) {
                result.completeExceptionally(new SendFailure("cannot connect to " + endpoint + ": "
                        + acquired.cause().getMessage(), acquired.cause(), false));
                return;
            }
            Channel ch = (Channel) acquired.getNow();
            afterHandshake(ch, endpoint, refused -> {
                if (refused != null) {
                    ch.close();
                    pool.release(ch);
                    result.completeExceptionally(refused);
                } else {
                    exchange(ch, pool, method, endpoint, path, body, timeout, token, result);
                }
            });
        });
        return result;
    }

    /**
     * Runs {@code then} once {@code ch} may carry a request: at once on a plain connection or a pooled TLS one, after
     * the handshake on a new TLS one; it gets the handshake's failure (never sent; {@link SendFailure#tlsRefused()}
     * only when TLS itself refused, not when the connection was lost or the handshake timed out), or null.
     */
    private static void afterHandshake(Channel ch, URI endpoint, Consumer<SendFailure> then) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl == null) {
            then.accept(null);
            return;
        }
        ssl.handshakeFuture().addListener(done -> then.accept(done.isSuccess() ? null
                : new SendFailure("TLS handshake with " + endpoint + " failed: " + tlsReason(done.cause()),
                        done.cause(), false)));
    }

    private static String tlsReason(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private void exchange(Channel ch, SimpleChannelPool pool, HttpMethod method, URI endpoint, String path,
                          byte[] body, Duration timeout, String token, CompletableFuture<Response> result) {
        ch.attr(PENDING).set(result);
        ch.writeAndFlush(request(method, endpoint, path, body, token)).addListener(written -> {
            if (!written.isSuccess()) {
                // A pooled connection the node had closed: nothing was read by the node.
                ch.attr(PENDING).set(null);
                ch.close();
                result.completeExceptionally(new SendFailure("cannot send to " + endpoint + ": "
                        + written.cause().getMessage(), written.cause(), false));
            }
        });
        var timer = ch.eventLoop().schedule(() -> {
            if (ch.attr(PENDING).compareAndSet(result, null)) {
                ch.close(); // a late response must not be taken for the next request's
                result.completeExceptionally(new SendFailure("no response from " + endpoint + " within "
                        + timeout.toMillis() + " ms", new TimeoutException(), true));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((r, e) -> {
            timer.cancel(false);
            if (e == null && ch.isActive()) {
                pool.release(ch);
            } else {
                ch.close();
                pool.release(ch);
            }
        });
    }

    /**
     * Opens a streamed POST (a watch): {@code onLine} gets each line of the response body, {@code closed} completes
     * when the stream ends for any reason (exceptionally when it failed or the status was not 200; the body of an
     * error response is in the {@link StreamFailure}). Closing the returned stream closes the connection.
     */
    public Stream stream(URI endpoint, String path, byte[] body, Consumer<String> onLine) {
        return stream(endpoint, path, body, null, onLine);
    }

    /** As {@link #stream(URI, String, byte[], Consumer)}, with {@code token} (null: none) as its authorization. */
    public Stream stream(URI endpoint, String path, byte[] body, String token, Consumer<String> onLine) {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        SslContext ssl;
        try {
            ssl = tlsFor(endpoint);
        } catch (IllegalArgumentException noTls) {
            closed.completeExceptionally(new SendFailure(noTls.getMessage(), noTls, false));
            return new Stream(null, closed);
        }
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (ssl != null) {
                    ch.pipeline().addLast(tlsHandler(ssl, ch, endpoint));
                }
                ch.pipeline().addLast(new HttpClientCodec(), new LineHandler(onLine, closed));
            }
        });
        var connect = b.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()));
        Stream stream = new Stream(connect.channel(), closed);
        connect.addListener(done -> {
            if (!done.isSuccess()) {
                closed.completeExceptionally(new SendFailure("cannot connect to " + endpoint + ": "
                        + done.cause().getMessage(), done.cause(), false));
                return;
            }
            Channel ch = connect.channel();
            afterHandshake(ch, endpoint, refused -> {
                if (refused != null) {
                    closed.completeExceptionally(refused);
                    ch.close();
                    return;
                }
                ch.writeAndFlush(request(HttpMethod.POST, endpoint, path, body, token));
                ch.closeFuture().addListener(c -> closed.completeExceptionally(
                        new SendFailure("stream from " + endpoint + " closed", null, true)));
            });
        });
        return stream;
    }

    /** An open stream; {@link #closed()} completes when it ends. */
    public static final class Stream implements Closeable {
        private final Channel channel;
        private final CompletableFuture<Void> closed;

        Stream(Channel channel, CompletableFuture<Void> closed) {
            this.channel = channel;
            this.closed = closed;
        }

        public CompletableFuture<Void> closed() {
            return closed;
        }

        @Override
        public void close() {
            if (channel != null) {
                channel.close();
            }
        }
    }

    /** A stream answered with an error status; the body is the node's error. */
    public static final class StreamFailure extends RuntimeException {
        private final Response response;

        StreamFailure(Response response) {
            super("stream refused with HTTP " + response.status());
            this.response = response;
        }

        public Response response() {
            return response;
        }
    }

    private static FullHttpRequest request(HttpMethod method, URI endpoint, String path, byte[] body, String token) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                Unpooled.wrappedBuffer(body));
        req.headers().set(HttpHeaderNames.HOST, endpoint.getHost() + ":" + endpoint.getPort())
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        if (token != null) {
            req.headers().set(HttpHeaderNames.AUTHORIZATION, token);
        }
        return req;
    }

    /** The TLS context for {@code endpoint}: null for http, the transport's for https (which must have one). */
    private SslContext tlsFor(URI endpoint) {
        if (!"https".equalsIgnoreCase(endpoint.getScheme())) {
            return null;
        }
        if (tls == null) {
            throw new IllegalArgumentException(endpoint + " is https but the client has no TLS settings");
        }
        return tls;
    }

    /** The host name given is what the server's certificate is checked against (and the SNI). */
    private SslHandler tlsHandler(SslContext ssl, Channel ch, URI endpoint) {
        SslHandler h = ssl.newHandler(ch.alloc(), endpoint.getHost(), endpoint.getPort());
        h.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return h;
    }

    private SimpleChannelPool newPool(URI endpoint) {
        SslContext ssl = tlsFor(endpoint);
        Bootstrap b = bootstrap.clone().remoteAddress(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()));
        return new SimpleChannelPool(b, new AbstractChannelPoolHandler() {
            @Override
            public void channelCreated(Channel ch) {
                if (ssl != null) {
                    ch.pipeline().addLast(tlsHandler(ssl, ch, endpoint));
                }
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(MAX_RESPONSE_BYTES),
                        new ResponseHandler());
            }
        }, ChannelHealthChecker.ACTIVE);
    }

    /** Completes the channel's pending request with its response; a connection lost first fails it. */
    private static final class ResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
            CompletableFuture<Response> f = ctx.channel().attr(PENDING).getAndSet(null);
            if (!HttpUtil.isKeepAlive(msg)) {
                ctx.close();
            }
            if (f != null) {
                f.complete(new Response(msg.status().code(), ByteBufUtil.getBytes(msg.content()),
                        msg.headers().get(LEADER_HEADER)));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            CompletableFuture<Response> f = ctx.channel().attr(PENDING).getAndSet(null);
            if (f != null) {
                f.completeExceptionally(new SendFailure("connection to " + ctx.channel().remoteAddress()
                        + " closed before the response", null, true));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A TLS alert after the handshake (TLS 1.3 tells a client its certificate was refused only then) must
            // reach the caller as itself, not as a bare "connection closed".
            CompletableFuture<Response> f = ctx.channel().attr(PENDING).getAndSet(null);
            if (f != null) {
                Throwable c = cause.getCause() instanceof SSLException ? cause.getCause() : cause;
                f.completeExceptionally(new SendFailure("connection to " + ctx.channel().remoteAddress()
                        + " failed: " + tlsReason(c), c, true));
            }
            ctx.close();
        }
    }

    /** Splits a streamed response body into lines. An error status fails the stream with the body. */
    private static final class LineHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final Consumer<String> onLine;
        private final CompletableFuture<Void> closed;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private int status;

        LineHandler(Consumer<String> onLine, CompletableFuture<Void> closed) {
            this.onLine = onLine;
            this.closed = closed;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                status = r.status().code();
            }
            if (msg instanceof HttpContent c) {
                ByteBuf buf = c.content();
                while (buf.isReadable()) {
                    byte b = buf.readByte();
                    if (b == '\n' && status == 200) {
                        String line = partial.toString(java.nio.charset.StandardCharsets.UTF_8).trim();
                        partial.reset();
                        if (!line.isEmpty()) {
                            onLine.accept(line);
                        }
                    } else {
                        partial.write(b);
                    }
                }
                if (msg instanceof LastHttpContent) {
                    if (status != 200) {
                        closed.completeExceptionally(new StreamFailure(new Response(status, partial.toByteArray())));
                    } else {
                        closed.complete(null);
                    }
                    ctx.close();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closed.completeExceptionally(new SendFailure("stream failed: " + cause.getMessage(), cause, true));
            ctx.close();
        }
    }

    @Override
    public void close() {
        pools.values().forEach(SimpleChannelPool::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
