package raftkv.client.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import raftkv.client.KeepAlive;
import raftkv.client.LeaseClient;
import raftkv.client.RaftKv;

/** lease grant|revoke|keep-alive|timetolive|list. Ids print in hex, as etcdctl's do, and are read in either. */
@Command(name = "lease", description = "Lease commands.",
        subcommands = {LeaseCommands.Grant.class, LeaseCommands.Revoke.class, LeaseCommands.KeepAliveCmd.class,
                LeaseCommands.TimeToLive.class, LeaseCommands.ListCmd.class})
final class LeaseCommands extends Kvctl.Group {

    static String hex(long id) {
        return Long.toHexString(id);
    }

    @Command(name = "grant", description = "Grants a lease of TTL seconds.")
    static final class Grant extends Kvctl.Base {
        @Parameters(index = "0") long ttl;

        @Override
        Integer run(RaftKv kv) {
            LeaseClient.Grant g = kv.lease().grant(ttl).join();
            if (out().format() == Output.Format.json) {
                out().json(g);
            } else {
                out().line("lease " + hex(g.id()) + " granted with TTL(" + g.ttlSeconds() + "s)");
            }
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revokes a lease and deletes its keys.")
    static final class Revoke extends Kvctl.Base {
        @Parameters(index = "0", description = "lease id (hex, as printed by grant, or 0x... / decimal)") String id;

        @Override
        Integer run(RaftKv kv) {
            long lease = parseHex(id);
            kv.lease().revoke(lease).join();
            out().line("lease " + hex(lease) + " revoked");
            return 0;
        }
    }

    @Command(name = "keep-alive", description = "Keeps a lease alive until interrupted; exits 1 if it is lost.")
    static final class KeepAliveCmd extends Kvctl.Base {
        @Parameters(index = "0") String id;

        @Override
        Integer run(RaftKv kv) throws Exception {
            long lease = parseHex(id);
            Thread main = Thread.currentThread();
            String[] lostReason = {null};
            KeepAlive k = kv.lease().keepAlive(lease, new KeepAlive.Listener() {
                @Override
                public void onRenewed(long ttl) {
                    out().line("lease " + hex(lease) + " keepalived with TTL(" + ttl + ")");
                }

                @Override
                public void onLost(long leaseId, String reason) {
                    lostReason[0] = reason;
                    main.interrupt();
                }
            });
            try {
                Kvctl.waitForever();
            } catch (InterruptedException e) {
                k.close();
                if (lostReason[0] != null) {
                    spec.commandLine().getErr().println("lease " + hex(lease) + " lost: " + lostReason[0]);
                    return Kvctl.REFUSED;
                }
            }
            return 0;
        }
    }

    @Command(name = "timetolive", description = "Prints a lease's remaining TTL (and keys with --keys).")
    static final class TimeToLive extends Kvctl.Base {
        @Parameters(index = "0") String id;
        @picocli.CommandLine.Option(names = "--keys") boolean keys;

        @Override
        Integer run(RaftKv kv) {
            long lease = parseHex(id);
            LeaseClient.TimeToLive t = kv.lease().timeToLive(lease, keys).join();
            if (out().format() == Output.Format.json) {
                out().json(t);
            } else if (t.ttlSeconds() < 0) {
                out().line("lease " + hex(lease) + " already expired");
            } else {
                StringBuilder b = new StringBuilder("lease " + hex(lease) + " granted with TTL(" + t.grantedTtlSeconds()
                        + "s), remaining(" + t.ttlSeconds() + "s)");
                if (keys) {
                    b.append(", attached keys(");
                    for (int i = 0; i < t.keys().size(); i++) {
                        b.append(i > 0 ? " " : "").append(new String(t.keys().get(i),
                                java.nio.charset.StandardCharsets.UTF_8));
                    }
                    b.append(')');
                }
                out().line(b.toString());
            }
            return 0;
        }
    }

    @Command(name = "list", description = "Lists the leases.")
    static final class ListCmd extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            List<Long> ids = kv.lease().leases().join();
            if (out().format() == Output.Format.json) {
                out().json(ids);
            } else {
                out().line("found " + ids.size() + " leases");
                ids.forEach(i -> out().line(hex(i)));
            }
            return 0;
        }
    }

    /** Lease ids as kvctl prints them: hex without a prefix; 0x-prefixed hex also accepted. */
    static long parseHex(String s) {
        String h = s.startsWith("0x") ? s.substring(2) : s;
        return Long.parseUnsignedLong(h, 16);
    }
}
