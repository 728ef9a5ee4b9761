package raftkv.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The cluster as this member sees it at start: its name (which identifies it), its members, and whether this
 * member starts a new cluster ({@code state: new}, the default) or joins a running one ({@code existing}: it waits
 * to be added with {@code /v3/cluster/member/add}, as etcd's {@code --initial-cluster-state existing}).
 */
public record ClusterConfig(@JsonProperty("name") String name, @JsonProperty("members") List<Member> members,
                            @JsonProperty("state") String state) {

    public ClusterConfig(String name, List<Member> members) {
        this(name, members, null);
    }

    public boolean joining() {
        return "existing".equals(state);
    }

    public Member member(int id) {
        return members.stream().filter(m -> m.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no member with id " + id));
    }

    /** The client endpoints, as {@code http://host:port}, comma-separated: what clients and kvctl take. */
    public String clientEndpoints() {
        return members.stream().map(Member::clientUrl).collect(Collectors.joining(","));
    }
}
