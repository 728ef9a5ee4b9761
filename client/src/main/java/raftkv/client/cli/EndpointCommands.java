package raftkv.client.cli;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import picocli.CommandLine.Command;
import raftkv.client.RaftKv;

/** endpoint status|health|hash: one row per endpoint; the exit code is 1 if any endpoint failed. */
@Command(name = "endpoint", description = "Per-endpoint status, health and hash.",
        subcommands = {EndpointCommands.Status.class, EndpointCommands.Health.class, EndpointCommands.Hash.class})
final class EndpointCommands extends Kvctl.Group {

    @Command(name = "status", description = "Status of each endpoint.")
    static final class Status extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            return perEndpoint(this, "status", e -> kv.maintenance().status(e).join(),
                    List.of("ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER", "IS LEARNER", "RAFT TERM",
                            "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"),
                    (e, s) -> List.of(e.toString(), Long.toString(s.header().memberId()), s.version(),
                            Long.toString(s.dbSize()), Boolean.toString(s.leader() == s.header().memberId()),
                            Boolean.toString(s.learner()), Long.toString(s.raftTerm()), Long.toString(s.raftIndex()),
                            Long.toString(s.raftAppliedIndex()), String.join("; ", s.errors())));
        }
    }

    @Command(name = "health", description = "Whether each endpoint is healthy (a leader, a read served, no alarm).")
    static final class Health extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            int unhealthy = 0;
            for (URI e : root().endpointUris()) {
                long t0 = System.nanoTime();
                CompletableFuture<Boolean> ok = kv.maintenance().health(e);
                String took = "";
                boolean healthy;
                String why = "";
                try {
                    healthy = ok.join();
                    took = String.format("%.2fms", (System.nanoTime() - t0) / 1e6);
                } catch (RuntimeException ex) {
                    healthy = false;
                    why = ex.getCause() == null ? ex.getMessage() : ex.getCause().getMessage();
                }
                if (healthy) {
                    out().line(e + " is healthy: successfully committed proposal: took = " + took);
                } else {
                    unhealthy++;
                    out().line(e + " is unhealthy: failed to commit proposal: " + (why.isEmpty() ? "unhealthy" : why));
                }
            }
            return unhealthy == 0 ? 0 : Kvctl.REFUSED;
        }
    }

    @Command(name = "hash", description = "The KV hash of each endpoint (equal on members that applied the same log).")
    static final class Hash extends Kvctl.Base {
        @picocli.CommandLine.Option(names = "--rev", description = "revision (0: current)") long rev;

        @Override
        Integer run(RaftKv kv) {
            return perEndpoint(this, "hash", e -> kv.maintenance().hash(e, rev).join(),
                    List.of("ENDPOINT", "HASH", "REVISION", "COMPACT REVISION"),
                    (e, h) -> List.of(e.toString(), Long.toString(h.hash()), Long.toString(h.hashRevision()),
                            Long.toString(h.compactRevision())));
        }
    }

    /**
     * Asks every endpoint in turn and prints one row (or JSON object) per answer; an endpoint that fails is named on
     * stderr and makes the exit code 1, and the others are still shown.
     */
    static <T> int perEndpoint(Kvctl.Base cmd, String what, Function<URI, T> ask, List<String> headers,
                               BiFunction<URI, T, List<String>> row) {
        List<List<String>> rows = new ArrayList<>();
        List<Object> json = new ArrayList<>();
        int failed = 0;
        for (URI e : cmd.root().endpointUris()) {
            try {
                T answer = ask.apply(e);
                json.add(answer);
                rows.add(row.apply(e, answer));
            } catch (RuntimeException ex) {
                failed++;
                cmd.spec.commandLine().getErr().println("Failed to get the " + what + " of endpoint " + e + ": "
                        + (ex.getCause() == null ? ex.getMessage() : ex.getCause().getMessage()));
            }
        }
        if (cmd.out().format() == Output.Format.json) {
            cmd.out().json(json);
        } else {
            cmd.out().table(headers, rows);
        }
        return failed == 0 ? 0 : Kvctl.REFUSED;
    }
}
