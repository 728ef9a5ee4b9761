package raftkv.client.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import raftkv.client.Member;
import raftkv.client.RaftKv;

/** member list|add|remove|promote. */
@Command(name = "member", description = "Membership commands.",
        subcommands = {MemberCommands.ListCmd.class, MemberCommands.Add.class, MemberCommands.Remove.class,
                MemberCommands.Promote.class})
final class MemberCommands extends Kvctl.Group {

    static void print(Output out, List<Member> members) {
        if (out.format() == Output.Format.json) {
            out.json(members);
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Member m : members) {
            rows.add(List.of(Long.toString(m.id()), m.learner() ? "learner" : "voter", m.name(),
                    String.join(",", m.peerUrls()), String.join(",", m.clientUrls())));
        }
        out.table(List.of("ID", "ROLE", "NAME", "PEER ADDRS", "CLIENT ADDRS"), rows);
    }

    @Command(name = "list", description = "Lists the members.")
    static final class ListCmd extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            print(out(), kv.cluster().list().join());
            return 0;
        }
    }

    @Command(name = "add", description = "Adds a member by its Raft address (host:port).")
    static final class Add extends Kvctl.Base {
        @Parameters(index = "0", description = "a name, for the output") String name;
        @Option(names = "--peer-urls", required = true) String peerUrl;
        @Option(names = "--learner") boolean learner;

        @Override
        Integer run(RaftKv kv) {
            Member m = kv.cluster().add(peerUrl, learner).join();
            out().line("Member " + m.id() + " added to cluster" + (learner ? " as a learner" : ""));
            return 0;
        }
    }

    @Command(name = "remove", description = "Removes a member.")
    static final class Remove extends Kvctl.Base {
        @Parameters(index = "0") long id;

        @Override
        Integer run(RaftKv kv) {
            kv.cluster().remove(id).join();
            out().line("Member " + id + " removed from cluster");
            return 0;
        }
    }

    @Command(name = "promote", description = "Promotes a learner to a voting member.")
    static final class Promote extends Kvctl.Base {
        @Parameters(index = "0") long id;

        @Override
        Integer run(RaftKv kv) {
            kv.cluster().promote(id).join();
            out().line("Member " + id + " promoted in cluster");
            return 0;
        }
    }
}
