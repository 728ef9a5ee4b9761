package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The JSON API's conventions: base64 bytes, int64 as strings, zero values left out. */
final class Wire {

    private Wire() {
    }

    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static byte[] bytes(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? new byte[0] : Base64.getDecoder().decode(v.asText());
    }

    static long int64(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? 0 : v.isNumber() ? v.asLong() : Long.parseLong(v.asText());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The key to send for a range starting at {@code key}: an empty prefix means every key, sent as "\0". */
    static byte[] rangeStart(byte[] key, boolean prefix) {
        return prefix && key.length == 0 ? new byte[] {0} : key;
    }

    /** The end of the range of every key starting with {@code prefix}: the prefix with its last byte + 1. */
    static byte[] prefixEnd(byte[] prefix) {
        byte[] end = prefix.clone();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return java.util.Arrays.copyOf(end, i + 1);
            }
        }
        return new byte[] {0}; // every key: etcd's "\0" range end
    }
}
