package raftkv.server.http;

import raftkv.server.ops.ApiError;
import io.netty.handler.codec.http.HttpResponseStatus;
import raftkv.server.json.Json;

/**
 * What an endpoint answers: a status, a body and its content type; or, for a download, a {@link Streamer} that writes
 * the body as a stream of {@code {"result": ...}} lines.
 */
public record Reply(HttpResponseStatus status, byte[] body, String contentType, Streamer streamer) {

    static final String JSON = "application/json";

    public Reply(HttpResponseStatus status, byte[] body, String contentType) {
        this(status, body, contentType, null);
    }

    /** Writes a streamed body; runs on a thread of its own, and may block there. */
    @FunctionalInterface
    public interface Streamer {
        void stream(StreamOutput out) throws Exception;
    }

    /** Where a {@link Streamer} writes: each result becomes one line; blocks while the client is behind. */
    public interface StreamOutput {
        void write(Object result) throws Exception;
    }

    public static Reply stream(Streamer streamer) {
        return new Reply(HttpResponseStatus.OK, new byte[0], JSON, streamer);
    }

    public static Reply json(Object body) {
        return new Reply(HttpResponseStatus.OK, Json.encode(body), JSON);
    }

    public static Reply json(HttpResponseStatus status, Object body) {
        return new Reply(status, Json.encode(body), JSON);
    }

    public static Reply error(ApiError e) {
        return new Reply(e.status(), e.body(), JSON);
    }
}
