package raftkv.server.json;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The bodies of etcd's {@code /v3/auth/*} gateway calls, in and out, with {@link RequestJson}'s conventions: the
 * proto field names (etcd's own, so {@code permType} but {@code range_end}), keys in base64, absent fields null.
 */
public final class AuthJson {

    private AuthJson() {
    }

    public record Authenticate(@JsonProperty("name") String name, @JsonProperty("password") String password) {
        @Override
        public String toString() {
            return "Authenticate[" + name + "]"; // never the password
        }
    }

    public record UserAddOptions(@JsonProperty("no_password") @JsonAlias("noPassword") Boolean noPassword) {
    }

    public record UserAdd(@JsonProperty("name") String name, @JsonProperty("password") String password,
                          @JsonProperty("options") UserAddOptions options) {
        @Override
        public String toString() {
            return "UserAdd[" + name + "]";
        }
    }

    /** A user named: {@code user/get}, {@code user/delete}. */
    public record UserName(@JsonProperty("name") String name) {
    }

    public record UserChangePassword(@JsonProperty("name") String name, @JsonProperty("password") String password,
                                     @JsonProperty("hashedPassword") String hashedPassword) {
        @Override
        public String toString() {
            return "UserChangePassword[" + name + "]";
        }
    }

    public record UserGrantRole(@JsonProperty("user") String user, @JsonProperty("role") String role) {
    }

    public record UserRevokeRole(@JsonProperty("name") String name, @JsonProperty("role") String role) {
    }

    public record RoleAdd(@JsonProperty("name") String name) {
    }

    /** A role named: {@code role/get}, {@code role/delete}. */
    public record RoleName(@JsonProperty("role") String role) {
    }

    /** etcd's {@code authpb.Permission}; an absent type is READ (proto3's default). */
    public record Permission(@JsonProperty("permType") @JsonAlias("perm_type") PermType permType,
                             @JsonProperty("key") byte[] key,
                             @JsonProperty("range_end") @JsonAlias("rangeEnd") byte[] rangeEnd) {
    }

    public enum PermType { READ, WRITE, READWRITE }

    public record RoleGrantPermission(@JsonProperty("name") String name, @JsonProperty("perm") Permission perm) {
    }

    public record RoleRevokePermission(@JsonProperty("role") String role, @JsonProperty("key") byte[] key,
                                       @JsonProperty("range_end") @JsonAlias("rangeEnd") byte[] rangeEnd) {
    }

    // Responses.

    public record Token(@JsonProperty("header") ResponseJson.Header header, @JsonProperty("token") String token) {
        @Override
        public String toString() {
            return "Token[...]";
        }
    }

    public record Status(@JsonProperty("header") ResponseJson.Header header, @JsonProperty("enabled") boolean enabled,
                         @JsonProperty("authRevision") long authRevision) {
    }

    public record Roles(@JsonProperty("header") ResponseJson.Header header, @JsonProperty("roles") List<String> roles) {
    }

    public record Users(@JsonProperty("header") ResponseJson.Header header, @JsonProperty("users") List<String> users) {
    }

    public record Perms(@JsonProperty("header") ResponseJson.Header header,
                        @JsonProperty("perm") List<Permission> perm) {
    }
}
