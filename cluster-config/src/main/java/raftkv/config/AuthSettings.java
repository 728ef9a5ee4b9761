package raftkv.config;

import com.fasterxml.jackson.annotation.JsonCreator;

/** Authentication: how tokens are issued and passwords hashed. Users and roles are replicated state, not here. */
public record AuthSettings() {
    public static final AuthSettings DEFAULTS = new AuthSettings();

    @JsonCreator
    public AuthSettings {
    }
}
