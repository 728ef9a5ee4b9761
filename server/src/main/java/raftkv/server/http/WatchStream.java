package raftkv.server.http;

import raftkv.server.ops.ApiError;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.raft.watch.WatchMessage;
import raftkv.raft.watch.WatchSpec;
import raftkv.server.Node;
import raftkv.server.auth.Credentials;
import raftkv.server.ops.WatchSession;
import raftkv.server.json.Json;
import raftkv.server.json.RequestJson;
import raftkv.server.json.ResponseJson;
import raftkv.server.json.WireMapping;
import raftkv.storage.Event;

/**
 * One {@code POST /v3/watch} stream, as etcd's gateway serves it: the request body is a stream of JSON messages
 * (create, cancel, progress requests), read as they arrive; the response is a chunked stream of
 * {@code {"result": ...}} messages, one per line, that lasts until the client goes away. The connection is
 * dedicated to the stream. What the messages do is {@link WatchSession}'s, which gRPC's Watch shares.
 *
 * <p>Requests are read on the channel's event loop, where the session's effects run too. Messages are encoded on
 * the watch dispatcher thread and written without blocking; a reader that lets more than
 * {@link WatchSession#MAX_PENDING_BYTES} pile up unread has its watchers cancelled (the hub's slow-reader rule).
 */
final class WatchStream extends SimpleChannelInboundHandler<HttpObject> implements WatchSession.Replies {

    private static final Logger log = LoggerFactory.getLogger(WatchStream.class);
    private static final JsonFactory JSON = new JsonFactory();

    private final Node node;
    private final AtomicLong pendingBytes = new AtomicLong();
    // owned by the channel's event loop
    private WatchSession session;
    private ChannelHandlerContext ctx;
    private JsonParser parser;
    private TokenBuffer current;
    private int depth;
    private boolean failed;

    WatchStream(Node node) {
        this.node = node;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws IOException {
        if (msg instanceof HttpRequest req) {
            this.ctx = ctx;
            Credentials who = HttpCredentials.of(ctx, req, node.config().tls().clientCertAuth());
            try {
                node.guard().screen(who, true);
            } catch (RuntimeException e) {
                failed = true;
                ApiHandler.write(ctx, Reply.error(ApiError.of(e)), false);
                return;
            }
            this.session = new WatchSession(node, this, ctx.executor(), who);
            this.parser = JSON.createNonBlockingByteArrayParser();
            DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, Reply.JSON);
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            ctx.writeAndFlush(head);
        }
        if (msg instanceof HttpContent content && !failed) {
            byte[] bytes = ByteBufUtil.getBytes(content.content());
            ((ByteArrayFeeder) parser.getNonBlockingInputFeeder()).feedInput(bytes, 0, bytes.length);
            try {
                for (RequestJson.Watch request : readMessages()) {
                    handle(request);
                }
            } catch (Json.BadRequest | ApiError.ApiException e) {
                fail(e.getMessage());
            } catch (IOException e) {
                fail("malformed JSON in the watch stream: " + e.getMessage());
            }
        }
    }

    /** The complete top-level JSON objects that have arrived so far. */
    private List<RequestJson.Watch> readMessages() throws IOException, Json.BadRequest {
        List<RequestJson.Watch> out = new ArrayList<>();
        JsonToken t;
        while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
            if (depth == 0 && t != JsonToken.START_OBJECT) {
                throw new Json.BadRequest("a watch stream is a sequence of JSON objects");
            }
            if (current == null) {
                current = new TokenBuffer(parser);
            }
            current.copyCurrentEvent(parser);
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                depth--;
                if (depth == 0) {
                    out.add(Json.decode(current, RequestJson.Watch.class));
                    current = null;
                }
            }
        }
        return out;
    }

    private void handle(RequestJson.Watch r) throws Json.BadRequest {
        int set = (r.createRequest() != null ? 1 : 0) + (r.cancelRequest() != null ? 1 : 0)
                + (r.progressRequest() != null ? 1 : 0);
        if (set != 1) {
            throw new Json.BadRequest("a watch message sets exactly one of create_request, cancel_request, "
                    + "progress_request");
        }
        if (r.createRequest() != null) {
            create(r.createRequest());
        } else if (r.cancelRequest() != null) {
            session.cancel(r.cancelRequest().watchId() == null ? 0 : r.cancelRequest().watchId());
        } else {
            session.requestProgress();
        }
    }

    private void create(RequestJson.WatchCreate c) {
        List<RequestJson.WatchFilter> filters = c.filters() == null ? List.of() : c.filters();
        WatchSpec spec = WatchSession.spec(c.key(), c.rangeEnd(), c.startRevision() == null ? 0 : c.startRevision(),
                c.watchId() == null ? 0 : c.watchId(), c.prevKv() != null && c.prevKv(),
                filters.contains(RequestJson.WatchFilter.NOPUT), filters.contains(RequestJson.WatchFilter.NODELETE),
                c.progressNotify() != null && c.progressNotify(), "create_request.");
        // The JSON API has no use for fragments: a line is as long as it needs to be.
        session.create(spec, c.watchId() == null ? 0 : c.watchId(), false);
    }

    @Override
    public void createFailed(long watchId, Throwable cause) {
        write(new ResponseJson.Watch(node.header(node.store().revision()), watchId, false, true, 0,
                "etcdserver: no leader", null));
    }

    /** Encodes and writes a message; false when the reader has too much unread. */
    @Override
    public boolean offer(WatchMessage m, boolean fragment) {
        if (!ctx.channel().isActive()) {
            return false;
        }
        if (pendingBytes.get() > WatchSession.MAX_PENDING_BYTES && !m.canceled()) {
            return false;
        }
        List<ResponseJson.Event> events = null;
        if (!m.events().isEmpty()) {
            events = new ArrayList<>(m.events().size());
            for (Event e : m.events()) {
                events.add(new ResponseJson.Event(e.type().name(), WireMapping.kv(e.kv()), WireMapping.kv(e.prevKv())));
            }
        }
        write(new ResponseJson.Watch(node.header(m.revision()), m.watchId(), m.created(), m.canceled(),
                m.compactRevision(), m.cancelReason(), events));
        return true;
    }

    private void write(Object result) {
        byte[] line = Json.encode(new ResponseJson.Streamed(result));
        byte[] withNewline = java.util.Arrays.copyOf(line, line.length + 1);
        withNewline[line.length] = '\n';
        pendingBytes.addAndGet(withNewline.length);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(withNewline)))
                .addListener(f -> pendingBytes.addAndGet(-withNewline.length));
    }

    /** Tells the client what was wrong with its stream, then ends it. */
    private void fail(String message) {
        failed = true;
        ApiError e = ApiError.badRequest(message);
        byte[] body = Json.encode(new ResponseJson.StreamError(new ResponseJson.Error(e.message(), e.grpcCode(),
                e.message())));
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(body)))
                .addListener(f -> ctx.close());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (session != null) {
            session.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("watch stream {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
