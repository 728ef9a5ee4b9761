package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** The typed answers of the KV service. */
public final class Responses {

    private Responses() {
    }

    /** A get: the keys found (at most the limit), whether more matched, and how many matched in all. */
    public record Get(Header header, List<KeyValue> kvs, boolean more, long count) {

        static Get of(JsonNode n) {
            return new Get(Header.of(n.path("header")), Responses.kvs(n.path("kvs")), n.path("more").asBoolean(),
                    Wire.int64(n, "count"));
        }
    }

    /** A put: the new revision is {@code header.revision()}; the previous value if asked for (else null). */
    public record Put(Header header, KeyValue prevKv) {

        static Put of(JsonNode n) {
            return new Put(Header.of(n.path("header")), n.has("prev_kv") ? KeyValue.of(n.get("prev_kv")) : null);
        }
    }

    /** A delete: how many keys were deleted, and what they held if asked for. */
    public record Delete(Header header, long deleted, List<KeyValue> prevKvs) {

        static Delete of(JsonNode n) {
            return new Delete(Header.of(n.path("header")), Wire.int64(n, "deleted"), kvs(n.path("prev_kvs")));
        }
    }

    /** A txn: whether the compares held, and the answer of each operation of the branch that ran, in order. */
    public record Txn(Header header, boolean succeeded, List<Object> responses) {

        static Txn of(JsonNode n) {
            List<Object> out = new ArrayList<>();
            for (JsonNode r : n.path("responses")) {
                if (r.has("response_range")) {
                    out.add(Get.of(r.get("response_range")));
                } else if (r.has("response_put")) {
                    out.add(Put.of(r.get("response_put")));
                } else if (r.has("response_delete_range")) {
                    out.add(Delete.of(r.get("response_delete_range")));
                } else if (r.has("response_txn")) {
                    out.add(Txn.of(r.get("response_txn")));
                } else {
                    out.add(new Put(Header.of(n.path("header")), null)); // a put with nothing to report
                }
            }
            return new Txn(Header.of(n.path("header")), n.path("succeeded").asBoolean(), out);
        }

        /** The answers of the gets of the branch that ran. */
        public List<Get> gets() {
            return responses.stream().filter(Get.class::isInstance).map(Get.class::cast).toList();
        }
    }

    static List<KeyValue> kvs(JsonNode array) {
        List<KeyValue> out = new ArrayList<>();
        for (JsonNode kv : array) {
            out.add(KeyValue.of(kv));
        }
        return out;
    }
}
