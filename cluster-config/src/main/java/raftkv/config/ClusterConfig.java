package raftkv.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.stream.Collectors;

/** The cluster as every member sees it: its name (which identifies it) and its initial members. */
public record ClusterConfig(@JsonProperty("name") String name, @JsonProperty("members") List<Member> members) {

    public Member member(int id) {
        return members.stream().filter(m -> m.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member with id " + id));
    }

    /** The client endpoints, as {@code http://host:port}, comma-separated: what clients and kvctl take. */
    public String clientEndpoints() {
        return members.stream().map(Member::clientUrl).collect(Collectors.joining(","));
    }
}
