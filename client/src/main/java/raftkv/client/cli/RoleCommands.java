package raftkv.client.cli;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import raftkv.client.Permission;
import raftkv.client.RaftKv;

/**
 * role add|delete|get|list|grant-permission|revoke-permission, with etcdctl's arguments and output: a permission is
 * on one key, {@code [key, endkey)}, every key with the prefix {@code key} ({@code --prefix}), or every key from
 * {@code key} on ({@code --from-key}).
 */
@Command(name = "role", description = "Role related commands.",
        subcommands = {RoleCommands.Add.class, RoleCommands.Delete.class, RoleCommands.Get.class,
                RoleCommands.ListCmd.class, RoleCommands.GrantPermission.class, RoleCommands.RevokePermission.class})
final class RoleCommands extends Kvctl.Group {

    @Command(name = "add", description = "Adds a new role.")
    static final class Add extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<role name>") String role;

        @Override
        Integer run(RaftKv kv) {
            return AuthCommands.changed(this, kv.auth().roleAdd(role).join(), "Role " + role + " created");
        }
    }

    @Command(name = "delete", description = "Deletes a role.")
    static final class Delete extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<role name>") String role;

        @Override
        Integer run(RaftKv kv) {
            return AuthCommands.changed(this, kv.auth().roleDelete(role).join(), "Role " + role + " deleted");
        }
    }

    @Command(name = "get", description = "Gets detailed information of a role.")
    static final class Get extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<role name>") String role;

        @Override
        Integer run(RaftKv kv) {
            List<Permission> perms = kv.auth().roleGet(role).join();
            if (out().format() == Output.Format.json) {
                out().json(java.util.Map.of("role", role, "perm", perms));
            } else {
                print(out(), role, perms);
            }
            return 0;
        }
    }

    /** A role's permissions as etcdctl prints them: those that allow reading, then those that allow writing. */
    static void print(Output out, String role, List<Permission> perms) {
        out.line("Role " + role);
        out.line("KV Read:");
        perms.stream().filter(p -> p.type() != Permission.Type.WRITE).forEach(p -> out.line(describe(p)));
        out.line("KV Write:");
        perms.stream().filter(p -> p.type() != Permission.Type.READ).forEach(p -> out.line(describe(p)));
    }

    /** {@code \tkey}, {@code \t[key, end)} or {@code \t[key, <open ended>}, and {@code (prefix key)} for a prefix. */
    static String describe(Permission p) {
        if (p.singleKey()) {
            return "\t" + p.keyString();
        }
        String range = p.openEnded() ? "\t[" + p.keyString() + ", <open ended>"
                : "\t[" + p.keyString() + ", " + p.rangeEndString() + ")";
        return p.isPrefix() ? range + " (prefix " + p.keyString() + ")" : range;
    }

    @Command(name = "list", description = "Lists all roles.")
    static final class ListCmd extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            List<String> roles = kv.auth().roleList().join();
            if (out().format() == Output.Format.json) {
                out().json(java.util.Map.of("roles", roles));
            } else {
                roles.forEach(out()::line);
            }
            return 0;
        }
    }

    /** The flags and arguments that name a permission's keys, shared by grant and revoke. */
    static final class KeyRange {
        @Option(names = "--prefix", description = "grant a prefix permission") boolean prefix;
        @Option(names = "--from-key", description = "grant a permission of keys that are greater than or equal to"
                + " the given key using byte compare") boolean fromKey;
    }

    @Command(name = "grant-permission", description = "Grants a key to a role.")
    static final class GrantPermission extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<role name>") String role;
        @Parameters(index = "1", paramLabel = "<permission type>", description = "read, write or readwrite")
        String type;
        @Parameters(index = "2", paramLabel = "<key>") String key;
        @Parameters(index = "3", arity = "0..1", paramLabel = "[endkey]") String endKey;
        @picocli.CommandLine.Mixin KeyRange range;

        @Override
        Integer run(RaftKv kv) {
            Permission p = permission(type(type), key, endKey, range.prefix, range.fromKey);
            return AuthCommands.changed(this, kv.auth().roleGrantPermission(role, p).join(),
                    "Role " + role + " updated");
        }
    }

    @Command(name = "revoke-permission", description = "Revokes a key from a role.")
    static final class RevokePermission extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<role name>") String role;
        @Parameters(index = "1", paramLabel = "<key>") String key;
        @Parameters(index = "2", arity = "0..1", paramLabel = "[endkey]") String endKey;
        @picocli.CommandLine.Mixin KeyRange range;

        @Override
        Integer run(RaftKv kv) {
            Permission p = permission(Permission.Type.READ, key, endKey, range.prefix, range.fromKey);
            var header = kv.auth().roleRevokePermission(role, p).join();
            String what = p.singleKey() ? "key " + p.keyString()
                    : p.openEnded() ? "range [" + p.keyString() + ", <open ended>"
                    : "range [" + p.keyString() + ", " + p.rangeEndString() + ")";
            return AuthCommands.changed(this, header, "Permission of " + what + " is revoked from role " + role);
        }
    }

    static Permission.Type type(String s) {
        try {
            return Permission.Type.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Kvctl.UsageError("invalid permission type: " + s);
        }
    }

    /**
     * The permission etcdctl's arguments name. An empty key stands for the whole key space's start ({@code "\0"}),
     * and with {@code --prefix} or {@code --from-key} for every key.
     */
    static Permission permission(Permission.Type type, String key, String endKey, boolean prefix, boolean fromKey) {
        if (prefix && fromKey) {
            throw new Kvctl.UsageError("--from-key and --prefix flags are mutually exclusive");
        }
        if (endKey != null && (prefix || fromKey)) {
            throw new Kvctl.UsageError("unexpected endkey argument with " + (prefix ? "--prefix" : "--from-key")
                    + " flag");
        }
        if (key.isEmpty()) {
            byte[] start = {0};
            return new Permission(type, start, prefix || fromKey ? new byte[] {0}
                    : endKey == null ? new byte[0] : utf8(endKey));
        }
        if (prefix) {
            return Permission.prefix(type, key);
        }
        if (fromKey) {
            return Permission.fromKey(type, key);
        }
        return endKey == null ? Permission.key(type, key) : Permission.range(type, key, endKey);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
