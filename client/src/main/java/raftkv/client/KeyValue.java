package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/** A key and its value at a revision, with its MVCC history counters and lease (0: none). */
public record KeyValue(byte[] key, byte[] value, long createRevision, long modRevision, long version, long lease) {

    public String keyString() {
        return new String(key, StandardCharsets.UTF_8);
    }

    public String valueString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    static KeyValue of(JsonNode kv) {
        return new KeyValue(Wire.bytes(kv, "key"), Wire.bytes(kv, "value"), Wire.int64(kv, "create_revision"),
                Wire.int64(kv, "mod_revision"), Wire.int64(kv, "version"), Wire.int64(kv, "lease"));
    }

    @Override
    public String toString() {
        return keyString() + "=" + valueString() + " (mod " + modRevision + ", version " + version + ")";
    }
}
