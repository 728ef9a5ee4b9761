package raftkv.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Generates bad requests from valid ones: a valid body for one of the API's paths, then one mutation (a field of the
 * wrong type, bad base64, a huge or negative number, an unknown field or path, broken or non-object JSON, deep
 * nesting, an unknown enum). When the mutation targets one field, the case names it: the error must too.
 *
 * <p>Left out: membership changes (a random but valid member add would change the cluster the test runs on),
 * snapshot download and defragment (slow, and covered elsewhere).
 */
final class RequestFuzzer {

    /** One request: path, body, the field it breaks (or null), and what was done. */
    record Case(String path, byte[] body, String field, String mutation) {
        @Override
        public String toString() {
            String b = new String(body, 0, Math.min(body.length, 160), StandardCharsets.UTF_8);
            return "POST " + path + " [" + mutation + "] " + b + (body.length > 160 ? "..." : "");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final List<String> PATHS = List.of("/v3/kv/range", "/v3/kv/put", "/v3/kv/deleterange",
            "/v3/kv/txn", "/v3/kv/compaction", "/v3/lease/grant", "/v3/lease/revoke", "/v3/lease/timetolive",
            "/v3/lease/leases", "/v3/lease/keepalive", "/v3/maintenance/status", "/v3/maintenance/hash",
            "/v3/maintenance/alarm", "/v3/cluster/member/list");

    private final Random rnd;

    RequestFuzzer(Random rnd) {
        this.rnd = rnd;
    }

    Case next() {
        String path = PATHS.get(rnd.nextInt(PATHS.size()));
        ObjectNode body = valid(path);
        int m = rnd.nextInt(100);
        try {
            if (m < 30 && body.size() > 0) {
                String f = field(body);
                body.set(f, wrongType(body.get(f)));
                return new Case(path, bytes(body), f, "wrong type for " + f);
            }
            if (m < 40 && body.has("key")) {
                String bad = List.of("!!!", "a", "abc", "====", "ab=c", "\u00e9t\u00e9").get(rnd.nextInt(6));
                body.put("key", bad);
                return new Case(path, bytes(body), "key", "bad base64");
            }
            if (m < 52 && numeric(body) != null) {
                String f = numeric(body);
                String big = List.of("1e400", "123456789012345678901234567890", "-1", "-9223372036854775808",
                        "9223372036854775808", "1.5", "-0.0001").get(rnd.nextInt(7));
                String text = bytesText(body).replace("\"" + f + "\":" + body.get(f).asText(), "\"" + f + "\":" + big);
                return new Case(path, text.getBytes(StandardCharsets.UTF_8), null, "number " + big + " for " + f);
            }
            if (m < 60) {
                String f = "no_such_field_" + rnd.nextInt(100);
                body.put(f, rnd.nextInt());
                return new Case(path, bytes(body), f, "unknown field");
            }
            if (m < 66) {
                return new Case(path + "/" + Integer.toHexString(rnd.nextInt()), bytes(body), null, "unknown path");
            }
            if (m < 76) {
                byte[] b = bytes(body);
                int cut = b.length <= 1 ? 0 : rnd.nextInt(b.length - 1);
                return new Case(path, java.util.Arrays.copyOf(b, cut), null, "truncated JSON");
            }
            if (m < 82) {
                String other = List.of("[]", "null", "\"text\"", "42", "true", "{\"a\":1,\"a\":2}", "{]", "")
                        .get(rnd.nextInt(8));
                return new Case(path, other.getBytes(StandardCharsets.UTF_8), null, "not an object");
            }
            if (m < 86) {
                byte[] junk = new byte[1 + rnd.nextInt(200)];
                rnd.nextBytes(junk);
                return new Case(path, junk, null, "random bytes");
            }
            if (m < 89) {
                int depth = 500 + rnd.nextInt(20_000);
                String deep = "{\"key\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
                return new Case(path, deep.getBytes(StandardCharsets.UTF_8), null, "nesting " + depth + " deep");
            }
            if (m < 94 && path.equals("/v3/kv/range")) {
                String f = rnd.nextBoolean() ? "sort_order" : "sort_target";
                body.put(f, "SIDEWAYS");
                return new Case(path, bytes(body), f, "unknown enum value");
            }
            if (path.equals("/v3/kv/txn")) {
                ObjectNode cmp = (ObjectNode) body.get("compare").get(0);
                String f = List.of("target", "result").get(rnd.nextInt(2));
                cmp.put(f, "NOPE");
                return new Case(path, bytes(body), f, "unknown compare " + f);
            }
            if (path.equals("/v3/kv/range")) {
                body.put("limit", -1 - rnd.nextInt(1000));
                return new Case(path, bytes(body), "limit", "negative limit");
            }
            return new Case(path, bytes(body), null, "valid");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String field(ObjectNode body) {
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        return names.get(rnd.nextInt(names.size()));
    }

    private static String numeric(ObjectNode body) {
        List<String> names = new ArrayList<>();
        body.fields().forEachRemaining(e -> {
            if (e.getValue().isIntegralNumber()) {
                names.add(e.getKey());
            }
        });
        return names.isEmpty() ? null : names.get(0);
    }

    private JsonNode wrongType(JsonNode was) {
        List<JsonNode> options = new ArrayList<>(List.of(F.textNode("not-" + rnd.nextInt(10)), F.numberNode(
                rnd.nextInt()), F.booleanNode(true), F.arrayNode().add(1), F.objectNode().put("x", 1)));
        options.removeIf(o -> o.getNodeType() == was.getNodeType()
                || was.isTextual() && o.isNumber() || was.isNumber() && o.isTextual()
                || was.isBoolean() && (o.isNumber() || o.isTextual()));
        return options.get(rnd.nextInt(options.size()));
    }

    private ObjectNode valid(String path) {
        ObjectNode b = F.objectNode();
        String key = b64("fuzz/" + rnd.nextInt(50));
        switch (path) {
            case "/v3/kv/range" -> b.put("key", key).put("range_end", b64("fuzz0")).put("limit", 1 + rnd.nextInt(10))
                    .put("serializable", rnd.nextBoolean()).put("keys_only", rnd.nextBoolean())
                    .put("sort_order", "ASCEND").put("sort_target", "KEY");
            case "/v3/kv/put" -> b.put("key", key).put("value", b64("v" + rnd.nextInt())).put("prev_kv", true);
            case "/v3/kv/deleterange" -> b.put("key", key).put("prev_kv", rnd.nextBoolean());
            case "/v3/kv/txn" -> {
                ArrayNode cmp = b.putArray("compare");
                cmp.addObject().put("key", key).put("target", "VERSION").put("result", "GREATER").put("version", 0);
                b.putArray("success").addObject().putObject("request_put").put("key", key).put("value", b64("t"));
                b.putArray("failure").addObject().putObject("request_range").put("key", key);
            }
            case "/v3/kv/compaction" -> b.put("revision", 1);
            case "/v3/lease/grant" -> b.put("TTL", 5 + rnd.nextInt(60));
            case "/v3/lease/revoke", "/v3/lease/keepalive" -> b.put("ID", 1 + rnd.nextInt(1000));
            case "/v3/lease/timetolive" -> b.put("ID", 1 + rnd.nextInt(1000)).put("keys", true);
            case "/v3/maintenance/hash" -> b.put("revision", 1);
            case "/v3/maintenance/alarm" -> b.put("action", "GET");
            default -> {
            }
        }
        return b;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(JsonNode n) throws Exception {
        return JSON.writeValueAsBytes(n);
    }

    private static String bytesText(JsonNode n) throws Exception {
        return JSON.writeValueAsString(n);
    }

}
