package raftkv.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** A plain HTTP/JSON client of the API, as curl would use it: the tests check the wire, not a client library. */
final class ApiClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;

    ApiClient() {
        this(null);
    }

    /** A client of https endpoints, with {@code tls}'s trust and client certificate (null: plain http). */
    ApiClient(javax.net.ssl.SSLContext tls) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    /** A response: HTTP status, parsed body, and the leader the member named in its X-Raftkv-Leader header. */
    record Response(int status, JsonNode body, String leader) {
        boolean ok() {
            return status == 200;
        }

        long revision() {
            return body.path("header").path("revision").asLong();
        }
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String text(JsonNode b64) {
        return new String(Base64.getDecoder().decode(b64.asText()), StandardCharsets.UTF_8);
    }

    static ObjectNode obj() {
        return JSON.createObjectNode();
    }

    Response post(String endpoint, String path, Object body) throws Exception {
        return post(endpoint, path, body, Duration.ofSeconds(20));
    }

    Response post(String endpoint, String path, Object body, Duration timeout) throws Exception {
        String text = body instanceof String s ? s : JSON.writeValueAsString(body);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + path))
                .timeout(timeout).POST(HttpRequest.BodyPublishers.ofString(text)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()),
                r.headers().firstValue("X-Raftkv-Leader").orElse(null));
    }

    Response put(String endpoint, String key, String value) throws Exception {
        return post(endpoint, "/v3/kv/put", obj().put("key", b64(key)).put("value", b64(value)));
    }

    /** Puts {@code key} and returns the revision it was written at; fails unless the put was acknowledged. */
    long putRevision(String endpoint, String key, String value) throws Exception {
        Response r = put(endpoint, key, value);
        if (!r.ok()) {
            throw new IllegalStateException("put of " + key + " through " + endpoint + " failed: " + r);
        }
        return r.body().path("header").path("revision").asLong();
    }

    Response get(String endpoint, String key) throws Exception {
        return post(endpoint, "/v3/kv/range", obj().put("key", b64(key)));
    }

    /** The value of {@code key} by a linearizable read, or null. */
    String value(String endpoint, String key) throws Exception {
        Response r = get(endpoint, key);
        if (!r.ok()) {
            throw new IllegalStateException("range failed: " + r);
        }
        JsonNode kvs = r.body().path("kvs");
        return kvs.isEmpty() ? null : text(kvs.get(0).path("value"));
    }

    boolean healthy(String endpoint) {
        return health(endpoint).ok();
    }

    /** A member's /health answer, or why there was none (status 0), for a test's failure message. */
    Observed health(String endpoint) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Observed(r.statusCode(), r.body());
        } catch (Exception e) {
            return new Observed(0, e.toString());
        }
    }

    /** What a request to a member brought back: its HTTP status and body, or status 0 and the failure. */
    record Observed(int status, String text) {
        boolean ok() {
            return status == 200;
        }

        @Override
        public String toString() {
            return (status == 0 ? "no answer: " : status + " ") + text.replaceAll("\\s+", " ");
        }
    }

    JsonNode status(String endpoint) {
        return statusOrWhy(endpoint).body;
    }

    /** A member's status body (null when it gave none) and what it answered, for a test's failure message. */
    record StatusAnswer(JsonNode body, Observed observed) {
    }

    StatusAnswer statusOrWhy(String endpoint) {
        try {
            Response r = post(endpoint, "/v3/maintenance/status", "{}", Duration.ofSeconds(5));
            return new StatusAnswer(r.ok() ? r.body() : null, new Observed(r.status(), r.body().toString()));
        } catch (Exception e) {
            return new StatusAnswer(null, new Observed(0, e.toString()));
        }
    }

    /** The KV hash at {@code revision} on one member. */
    long hash(String endpoint, long revision) throws Exception {
        Response r = post(endpoint, "/v3/maintenance/hash", obj().put("revision", revision));
        if (!r.ok()) {
            throw new IllegalStateException("hash failed on " + endpoint + ": " + r);
        }
        return r.body().path("hash").asLong();
    }

    /** The whole {@code /metrics} text of one member. */
    String metricsText(String endpoint) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(endpoint + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A metric's value from {@code /metrics}. */
    double metric(String endpoint, String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new IllegalStateException("no metric " + name);
    }
}
