package raftkv.raft;

import java.nio.charset.StandardCharsets;
import raftkv.storage.KeyRange;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.auth.Permission;

/**
 * The binary form of an {@link AuthCommand} inside a log entry ({@link EntryCodec}'s {@code AUTH} command): a kind,
 * then its fields, names as UTF-8 bytes. Kinds are only ever added.
 *
 * <pre>
 *   ENABLE tokenKey | DISABLE | USER_ADD name hash | USER_DELETE name | USER_PASSWORD name hash
 *   | USER_GRANT user role | USER_REVOKE user role | ROLE_ADD name | ROLE_DELETE name
 *   | ROLE_GRANT role type(u8) key end | ROLE_REVOKE role key end
 * </pre>
 */
final class AuthCommandCodec {

    private static final int ENABLE = 1;
    private static final int DISABLE = 2;
    private static final int USER_ADD = 3;
    private static final int USER_DELETE = 4;
    private static final int USER_PASSWORD = 5;
    private static final int USER_GRANT = 6;
    private static final int USER_REVOKE = 7;
    private static final int ROLE_ADD = 8;
    private static final int ROLE_DELETE = 9;
    private static final int ROLE_GRANT = 10;
    private static final int ROLE_REVOKE = 11;

    private AuthCommandCodec() {
    }

    static void write(ByteWriter w, AuthCommand c) {
        if (c instanceof AuthCommand.Enable e) {
            w.out.write(ENABLE);
            w.bytes(e.tokenKey());
        } else if (c instanceof AuthCommand.Disable) {
            w.out.write(DISABLE);
        } else if (c instanceof AuthCommand.UserAdd a) {
            w.out.write(USER_ADD);
            strings(w, a.name(), a.passwordHash());
        } else if (c instanceof AuthCommand.UserDelete d) {
            w.out.write(USER_DELETE);
            strings(w, d.name());
        } else if (c instanceof AuthCommand.UserChangePassword p) {
            w.out.write(USER_PASSWORD);
            strings(w, p.name(), p.passwordHash());
        } else if (c instanceof AuthCommand.UserGrantRole g) {
            w.out.write(USER_GRANT);
            strings(w, g.user(), g.role());
        } else if (c instanceof AuthCommand.UserRevokeRole r) {
            w.out.write(USER_REVOKE);
            strings(w, r.user(), r.role());
        } else if (c instanceof AuthCommand.RoleAdd a) {
            w.out.write(ROLE_ADD);
            strings(w, a.name());
        } else if (c instanceof AuthCommand.RoleDelete d) {
            w.out.write(ROLE_DELETE);
            strings(w, d.name());
        } else if (c instanceof AuthCommand.RoleGrantPermission g) {
            w.out.write(ROLE_GRANT);
            strings(w, g.role());
            w.out.write(g.permission().type().ordinal());
            w.bytes(g.permission().range().key());
            w.bytes(g.permission().range().end());
        } else {
            AuthCommand.RoleRevokePermission r = (AuthCommand.RoleRevokePermission) c;
            w.out.write(ROLE_REVOKE);
            strings(w, r.role());
            w.bytes(r.range().key());
            w.bytes(r.range().end());
        }
    }

    static AuthCommand read(ByteReader r) {
        int kind = r.u8();
        return switch (kind) {
            case ENABLE -> new AuthCommand.Enable(r.bytes());
            case DISABLE -> new AuthCommand.Disable();
            case USER_ADD -> new AuthCommand.UserAdd(string(r), string(r));
            case USER_DELETE -> new AuthCommand.UserDelete(string(r));
            case USER_PASSWORD -> new AuthCommand.UserChangePassword(string(r), string(r));
            case USER_GRANT -> new AuthCommand.UserGrantRole(string(r), string(r));
            case USER_REVOKE -> new AuthCommand.UserRevokeRole(string(r), string(r));
            case ROLE_ADD -> new AuthCommand.RoleAdd(string(r));
            case ROLE_DELETE -> new AuthCommand.RoleDelete(string(r));
            case ROLE_GRANT -> {
                String role = string(r);
                Permission.Type type = r.oneOf(Permission.Type.values());
                yield new AuthCommand.RoleGrantPermission(role, new Permission(type, new KeyRange(r.bytes(),
                        r.bytesOrNull())));
            }
            case ROLE_REVOKE -> new AuthCommand.RoleRevokePermission(string(r), new KeyRange(r.bytes(),
                    r.bytesOrNull()));
            default -> throw new EntryCodec.MalformedEntryException("unknown auth command kind " + kind);
        };
    }

    private static void strings(ByteWriter w, String... values) {
        for (String v : values) {
            w.bytes(v.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String string(ByteReader r) {
        return new String(r.bytes(), StandardCharsets.UTF_8);
    }
}
