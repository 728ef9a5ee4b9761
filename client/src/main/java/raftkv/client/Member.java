package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A member of the cluster: id, name, Raft (peer) and client URLs, and whether it is a learner. */
public record Member(long id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {

    static Member of(JsonNode m) {
        return new Member(Wire.int64(m, "ID"), m.path("name").asText(""), strings(m.path("peerURLs")),
                strings(m.path("clientURLs")), m.path("isLearner").asBoolean());
    }

    static List<Member> list(JsonNode array) {
        List<Member> out = new ArrayList<>();
        for (JsonNode m : array) {
            out.add(of(m));
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(s -> out.add(s.asText()));
        return out;
    }
}
