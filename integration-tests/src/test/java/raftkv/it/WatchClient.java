package raftkv.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/** A watch stream read as curl would: POST /v3/watch, then one {"result": ...} per line until it ends. */
final class WatchClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** Every message received, in order (the "result" objects). */
    final List<JsonNode> results = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> done;
    private volatile Stream<String> lines;

    private WatchClient(String endpoint, String createRequest) {
        done = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(endpoint + "/v3/watch"))
                        .POST(HttpRequest.BodyPublishers.ofString(createRequest)).build(),
                HttpResponse.BodyHandlers.ofLines())
                .thenAccept(r -> {
                    lines = r.body();
                    lines.forEach(line -> {
                        if (line.isBlank()) {
                            return;
                        }
                        try {
                            results.add(JSON.readTree(line).path("result"));
                        } catch (Exception e) {
                            throw new IllegalStateException("bad watch line: " + line, e);
                        }
                    });
                });
    }

    /** Opens a watch on {@code key} (with {@code rangeEnd}, may be null) from {@code startRevision} (0: now). */
    static WatchClient open(String endpoint, String key, String rangeEnd, long startRevision, boolean prevKv) {
        var create = JSON.createObjectNode().put("key", ApiClient.b64(key)).put("start_revision", startRevision)
                .put("prev_kv", prevKv);
        if (rangeEnd != null) {
            create.put("range_end", ApiClient.b64(rangeEnd));
        }
        return new WatchClient(endpoint, "{\"create_request\":" + create + "}");
    }

    /** The events received so far, in order. */
    List<JsonNode> events() {
        return results.stream().flatMap(r -> {
            var list = new java.util.ArrayList<JsonNode>();
            r.path("events").forEach(list::add);
            return list.stream();
        }).toList();
    }

    boolean created() {
        return !results.isEmpty() && results.get(0).path("created").asBoolean();
    }

    /** True once the stream ended (the node went away, or the watch was cancelled and the stream closed). */
    boolean ended() {
        return done.isDone();
    }

    @Override
    public void close() {
        Stream<String> l = lines;
        if (l != null) {
            l.close();
        }
        done.cancel(true);
    }
}
