package raftkv.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How this member authenticates: users, roles and whether authentication is on are replicated state (turned on
 * with etcd's {@code AuthEnable}), not configuration. {@code tokenTtlSeconds} is how long a token from
 * {@code Authenticate} stands (etcd: 300 s); {@code bcryptCost} is the work factor of password hashes made here
 * (etcd: 10; each step doubles the time of one check, see docs/security.md).
 */
public record AuthSettings(@JsonProperty("tokenTtlSeconds") Long tokenTtlSeconds,
                           @JsonProperty("bcryptCost") Integer bcryptCost) {
    public static final AuthSettings DEFAULTS = new AuthSettings(null, null);

    @JsonCreator
    public AuthSettings {
        tokenTtlSeconds = tokenTtlSeconds == null ? 300 : tokenTtlSeconds;
        bcryptCost = bcryptCost == null ? 10 : bcryptCost;
    }
}
