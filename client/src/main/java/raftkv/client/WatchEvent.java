package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;

/** A change to a key: a put (new value in {@code kv}) or a delete ({@code kv} holds the key and its revision). */
public record WatchEvent(Type type, KeyValue kv, KeyValue prevKv) {

    public enum Type { PUT, DELETE }

    static WatchEvent of(JsonNode e) {
        Type type = "DELETE".equals(e.path("type").asText()) ? Type.DELETE : Type.PUT;
        return new WatchEvent(type, KeyValue.of(e.path("kv")), e.has("prev_kv") ? KeyValue.of(e.get("prev_kv")) : null);
    }
}
