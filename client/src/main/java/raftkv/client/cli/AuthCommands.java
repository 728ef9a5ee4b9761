package raftkv.client.cli;

import picocli.CommandLine.Command;
import raftkv.client.AuthStatus;
import raftkv.client.Header;
import raftkv.client.RaftKv;

/** auth enable|disable|status, with etcdctl's output. */
@Command(name = "auth", description = "Enable or disable authentication.",
        subcommands = {AuthCommands.Enable.class, AuthCommands.Disable.class, AuthCommands.Status.class})
final class AuthCommands extends Kvctl.Group {

    @Command(name = "enable", description = "Enables authentication (the user root, with the role root, must exist).")
    static final class Enable extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            return changed(this, kv.auth().enable().join(), "Authentication Enabled");
        }
    }

    @Command(name = "disable", description = "Disables authentication.")
    static final class Disable extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            return changed(this, kv.auth().disable().join(), "Authentication Disabled");
        }
    }

    @Command(name = "status", description = "Whether authentication is enabled, and the auth store's revision.")
    static final class Status extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            AuthStatus s = kv.auth().status().join();
            if (out().format() == Output.Format.json) {
                out().json(s);
            } else {
                out().line("Authentication Status: " + s.enabled());
                out().line("AuthRevision: " + s.authRevision());
            }
            return 0;
        }
    }

    /** Reports a change done: etcdctl's sentence, or the answer's header as JSON. */
    static int changed(Kvctl.Base cmd, Header header, String sentence) {
        Output out = cmd.out();
        if (out.format() == Output.Format.json) {
            out.json(java.util.Map.of("header", header));
        } else {
            out.line(sentence);
        }
        return 0;
    }
}
