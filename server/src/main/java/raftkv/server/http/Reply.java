package raftkv.server.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import raftkv.server.json.Json;

/** What an endpoint answers: a status, a body and its content type. */
public record Reply(HttpResponseStatus status, byte[] body, String contentType) {

    static final String JSON = "application/json";

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
