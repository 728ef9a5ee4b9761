package raftkv.client.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import raftkv.client.RaftKv;

/** user add|delete|get|list|passwd|grant-role|revoke-role, with etcdctl's arguments and output. */
@Command(name = "user", description = "User related commands.",
        subcommands = {UserCommands.Add.class, UserCommands.Delete.class, UserCommands.Get.class,
                UserCommands.ListCmd.class, UserCommands.Passwd.class, UserCommands.GrantRole.class,
                UserCommands.RevokeRole.class})
final class UserCommands extends Kvctl.Group {

    @Command(name = "add", description = "Adds a new user.")
    static final class Add extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<user name or user:password>") String nameAndPassword;
        @Option(names = "--no-password", description = "Create a user without password (CN based auth only)")
        boolean noPassword;
        @Option(names = "--interactive", arity = "0..1", defaultValue = "true", fallbackValue = "true",
                description = "Read password from stdin instead of interactive terminal (when false)")
        boolean interactive;
        @Option(names = "--new-user-password", description = "Supply password from the command line flag")
        String newUserPassword;

        @Override
        Integer run(RaftKv kv) {
            String name = nameAndPassword;
            String password = null;
            int colon = nameAndPassword.indexOf(':');
            if (noPassword) {
                // A user without a password is named as given, as etcdctl does.
            } else if (colon >= 0) {
                name = nameAndPassword.substring(0, colon);
                password = nameAndPassword.substring(colon + 1);
            } else if (newUserPassword != null) {
                password = newUserPassword;
            } else {
                password = newPassword(name, interactive);
            }
            var header = noPassword ? kv.auth().userAddWithoutPassword(name).join()
                    : kv.auth().userAdd(name, password).join();
            return AuthCommands.changed(this, header, "User " + name + " created");
        }
    }

    /** A new password: typed twice at the terminal (interactive), else one line of standard input. */
    static String newPassword(String user, boolean interactive) {
        if (!interactive) {
            return PasswordPrompt.fromStdin();
        }
        String first = PasswordPrompt.read("Password of " + user + ": ");
        if (System.console() != null && Kvctl.stdin() == System.in) {
            String again = PasswordPrompt.read("Type password of " + user + " again for confirmation: ");
            if (!again.equals(first)) {
                throw new Kvctl.UsageError("given passwords are different");
            }
        }
        return first;
    }

    @Command(name = "delete", description = "Deletes a user.")
    static final class Delete extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<user name>") String name;

        @Override
        Integer run(RaftKv kv) {
            return AuthCommands.changed(this, kv.auth().userDelete(name).join(), "User " + name + " deleted");
        }
    }

    @Command(name = "get", description = "Gets detailed information of a user.")
    static final class Get extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<user name>") String name;
        @Option(names = "--detail", description = "Show permissions of roles granted to the user") boolean detail;

        @Override
        Integer run(RaftKv kv) {
            List<String> roles = kv.auth().userGet(name).join();
            Output out = out();
            if (out.format() == Output.Format.json) {
                out.json(java.util.Map.of("name", name, "roles", roles));
                return 0;
            }
            out.line("User: " + name);
            if (detail) {
                for (String role : roles) {
                    out.line("");
                    RoleCommands.print(out, role, kv.auth().roleGet(role).join());
                }
            } else {
                StringBuilder b = new StringBuilder("Roles:");
                roles.forEach(r -> b.append(' ').append(r));
                out.line(b.toString());
            }
            return 0;
        }
    }

    @Command(name = "list", description = "Lists all users.")
    static final class ListCmd extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            List<String> users = kv.auth().userList().join();
            if (out().format() == Output.Format.json) {
                out().json(java.util.Map.of("users", users));
            } else {
                users.forEach(out()::line);
            }
            return 0;
        }
    }

    @Command(name = "passwd", description = "Changes password of user.")
    static final class Passwd extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<user name>") String name;
        @Option(names = "--interactive", arity = "0..1", defaultValue = "true", fallbackValue = "true",
                description = "If true, read password from stdin instead of interactive terminal")
        boolean interactive;

        @Override
        Integer run(RaftKv kv) {
            String password = newPassword(name, interactive);
            return AuthCommands.changed(this, kv.auth().userChangePassword(name, password).join(), "Password updated");
        }
    }

    @Command(name = "grant-role", description = "Grants a role to a user.")
    static final class GrantRole extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<user name>") String name;
        @Parameters(index = "1", paramLabel = "<role name>") String role;

        @Override
        Integer run(RaftKv kv) {
            return AuthCommands.changed(this, kv.auth().userGrantRole(name, role).join(),
                    "Role " + role + " is granted to user " + name);
        }
    }

    @Command(name = "revoke-role", description = "Revokes a role from a user.")
    static final class RevokeRole extends Kvctl.Base {
        @Parameters(index = "0", paramLabel = "<user name>") String name;
        @Parameters(index = "1", paramLabel = "<role name>") String role;

        @Override
        Integer run(RaftKv kv) {
            return AuthCommands.changed(this, kv.auth().userRevokeRole(name, role).join(),
                    "Role " + role + " is revoked from user " + name);
        }
    }
}
