package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;

/** Whether authentication is enabled, and the auth store's revision (one more at each change of it). */
public record AuthStatus(Header header, boolean enabled, long authRevision) {

    static AuthStatus of(JsonNode n) {
        return new AuthStatus(Header.of(n.path("header")), n.path("enabled").asBoolean(),
                Wire.int64(n, "authRevision"));
    }
}
