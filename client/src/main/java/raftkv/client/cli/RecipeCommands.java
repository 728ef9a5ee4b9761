package raftkv.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import raftkv.client.RaftKv;
import raftkv.client.Watcher;
import raftkv.client.recipes.Election;
import raftkv.client.recipes.Lock;
import raftkv.client.recipes.Session;

/** lock and elect, on the client's recipes. Both hold until interrupted, and exit 1 if their session is lost. */
final class RecipeCommands {

    private RecipeCommands() {
    }

    @Command(name = "lock", description = "Acquires a named lock, prints its key, and holds it until interrupted.")
    static final class LockCmd extends Kvctl.Base {
        @Parameters(index = "0") String name;
        @Option(names = "--ttl", defaultValue = "10", description = "session TTL in seconds") long ttl;

        @Override
        Integer run(RaftKv kv) throws Exception {
            Thread main = Thread.currentThread();
            try (Session s = Session.create(kv, ttl, reason -> main.interrupt()).join()) {
                Lock lock = new Lock(s, name);
                lock.lock();
                out().line(lock.key());
                try {
                    Kvctl.waitForever();
                } catch (InterruptedException e) {
                    if (s.lostReason() != null) {
                        spec.commandLine().getErr().println("session lost: " + s.lostReason());
                        return Kvctl.REFUSED;
                    }
                }
                lock.unlock();
            }
            return 0;
        }
    }

    @Command(name = "elect", description = "With a proposal: campaigns, prints the key once leader, and leads until "
            + "interrupted. Without: prints each new leader's value (observe).")
    static final class ElectCmd extends Kvctl.Base {
        @Parameters(index = "0") String name;
        @Parameters(index = "1", arity = "0..1") String proposal;
        @Option(names = "--ttl", defaultValue = "10", description = "session TTL in seconds") long ttl;

        @Override
        Integer run(RaftKv kv) throws Exception {
            Thread main = Thread.currentThread();
            if (proposal == null) {
                try (Watcher w = Election.observe(kv, name, l -> {
                    if (l != null) {
                        out().line(l.value());
                    }
                })) {
                    Kvctl.waitForever();
                } catch (InterruptedException e) {
                    return 0;
                }
                return 0;
            }
            try (Session s = Session.create(kv, ttl, reason -> main.interrupt()).join()) {
                Election e = new Election(s, name);
                e.campaign(proposal);
                out().line(e.key());
                out().line(proposal);
                try {
                    Kvctl.waitForever();
                } catch (InterruptedException x) {
                    if (s.lostReason() != null) {
                        spec.commandLine().getErr().println("session lost: " + s.lostReason());
                        return Kvctl.REFUSED;
                    }
                }
                e.resign();
            }
            return 0;
        }
    }
}
