package raftkv.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleAssetsTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new ConsoleAssets(
            ConsoleAssetsTest.class.getClassLoader(), Runnable::run));

    private FullHttpResponse get(String uri) {
        return send(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri, Unpooled.EMPTY_BUFFER));
    }

    private FullHttpResponse send(FullHttpRequest req) {
        channel.writeInbound(req);
        return channel.readOutbound();
    }

    private static String body(FullHttpResponse r) {
        return r.content().toString(StandardCharsets.UTF_8);
    }

    @Test
    void theConsolesPageIsServedFromTheJarWithItsTypeAndValidators() {
        FullHttpResponse r = get("/ui/");
        assertEquals(200, r.status().code());
        assertEquals("text/html; charset=utf-8", r.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertTrue(body(r).contains("<script type=\"module\" src=\"js/main.js\">"), body(r));
        assertEquals("no-cache", r.headers().get(HttpHeaderNames.CACHE_CONTROL));
        assertTrue(r.headers().get(HttpHeaderNames.ETAG).matches("\"[0-9a-f]{32}\""));
        assertTrue(r.headers().get("Content-Security-Policy").contains("script-src 'self'"));
        assertEquals("nosniff", r.headers().get("X-Content-Type-Options"));

        FullHttpResponse script = get("/ui/js/main.js");
        assertEquals(200, script.status().code());
        assertEquals("text/javascript; charset=utf-8", script.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("text/css; charset=utf-8", get("/ui/console.css").headers().get(HttpHeaderNames.CONTENT_TYPE));
    }

    @Test
    void anUnchangedFileIsAnswered304WithoutItsBody() {
        String etag = get("/ui/index.html").headers().get(HttpHeaderNames.ETAG);
        FullHttpRequest again = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ui/index.html",
                Unpooled.EMPTY_BUFFER);
        again.headers().set(HttpHeaderNames.IF_NONE_MATCH, etag);
        FullHttpResponse r = send(again);
        assertEquals(304, r.status().code());
        assertEquals(0, r.content().readableBytes());
        assertEquals(etag, r.headers().get(HttpHeaderNames.ETAG));
    }

    @Test
    void theBarePathRedirectsToTheDirectorySoRelativeUrlsResolve() {
        FullHttpResponse r = get("/ui");
        assertEquals(301, r.status().code());
        assertEquals("/ui/", r.headers().get(HttpHeaderNames.LOCATION));
    }

    @Test
    void noPathLeavesTheConsolesDirectory() {
        for (String uri : new String[] {"/ui/../logback.xml", "/ui/%2e%2e/logback.xml", "/ui/js/../../logback.xml",
                "/ui/..%2flogback.xml", "/ui//etc/passwd", "/ui/.hidden.js", "/ui/js//main.js", "/ui/%2Fetc/passwd",
                "/ui/js\\main.js", "/ui/raftkv/server/http/ConsoleAssets.class", "/ui/nothing-here.js"}) {
            FullHttpResponse r = get(uri);
            assertEquals(404, r.status().code(), uri);
            assertTrue(body(r).contains("\"code\":5"), uri + ": " + body(r));
        }
    }

    @Test
    void onlyGetIsAnswered() {
        FullHttpResponse r = send(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/ui/",
                Unpooled.EMPTY_BUFFER));
        assertEquals(405, r.status().code());
    }

    @Test
    void everyOtherRequestGoesOnToTheApi() {
        FullHttpRequest api = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v3/kv/range",
                Unpooled.EMPTY_BUFFER);
        channel.writeInbound(api);
        assertNull(channel.readOutbound());
        assertSame(api, channel.readInbound());
        FullHttpRequest uiLookalike = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/uix/",
                Unpooled.EMPTY_BUFFER);
        channel.writeInbound(uiLookalike);
        assertSame(uiLookalike, channel.readInbound());
    }
}
