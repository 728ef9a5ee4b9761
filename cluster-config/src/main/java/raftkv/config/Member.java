package raftkv.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A member of the cluster: its id, a name, and its Raft and client addresses ({@code host:port}). */
public record Member(@JsonProperty("id") int id, @JsonProperty("name") String name,
                     @JsonProperty("raft") String raft, @JsonProperty("client") String client) {

    @com.fasterxml.jackson.annotation.JsonIgnore
    public String clientUrl() {
        return "http://" + client;
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public HostPort raftAddress() {
        return HostPort.parse(raft);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public HostPort clientAddress() {
        return HostPort.parse(client);
    }
}
