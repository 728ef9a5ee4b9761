package raftkv.client.cli;

import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import raftkv.client.MaintenanceClient;
import raftkv.client.RaftKv;

/** defrag, alarm list|disarm, snapshot save. */
final class MaintenanceCommands {

    private MaintenanceCommands() {
    }

    @Command(name = "defrag", description = "Defragments every endpoint's store, one after another.")
    static final class Defrag extends Kvctl.Base {
        @Override
        Integer run(RaftKv kv) {
            int failed = 0;
            for (URI e : root().endpointUris()) {
                try {
                    kv.maintenance().defragment(e).join();
                    out().line("Finished defragmenting etcd member[" + e + "]");
                } catch (RuntimeException ex) {
                    failed++;
                    spec.commandLine().getErr().println("Failed to defragment etcd member[" + e + "] ("
                            + ex.getCause().getMessage() + ")");
                }
            }
            return failed == 0 ? 0 : Kvctl.REFUSED;
        }
    }

    @Command(name = "alarm", description = "Alarm commands.",
            subcommands = {Alarm.ListCmd.class, Alarm.Disarm.class})
    static final class Alarm extends Kvctl.Group {

        static void print(Output out, List<MaintenanceClient.Alarm> alarms) {
            if (out.format() == Output.Format.json) {
                out.json(alarms);
                return;
            }
            alarms.forEach(a -> out.line("memberID:" + a.memberId() + " alarm:" + a.alarm()));
        }

        @Command(name = "list", description = "Lists raised alarms.")
        static final class ListCmd extends Kvctl.Base {
            @Override
            Integer run(RaftKv kv) {
                print(out(), kv.maintenance().alarms().join());
                return 0;
            }
        }

        @Command(name = "disarm", description = "Clears every raised alarm, printing the ones cleared.")
        static final class Disarm extends Kvctl.Base {
            @Override
            Integer run(RaftKv kv) {
                List<MaintenanceClient.Alarm> cleared = new ArrayList<>();
                for (MaintenanceClient.Alarm a : kv.maintenance().alarms().join()) {
                    kv.maintenance().disarm(a.memberId(), a.alarm()).join();
                    cleared.add(a);
                }
                print(out(), cleared);
                return 0;
            }
        }
    }

    @Command(name = "snapshot", subcommands = {Snapshot.Save.class}, description = {"Snapshot commands.",
        "snapshot restore FILE --config NODE.yaml... builds new members' data directories; scripts/kvctl hands it to "
            + "the server's SnapshotTool (the client has no server code)."})
    static final class Snapshot extends Kvctl.Group {

        @Command(name = "save", description = "Streams a consistent snapshot from the first endpoint into FILE.")
        static final class Save extends Kvctl.Base {
            @Parameters(index = "0") Path file;

            @Override
            Integer run(RaftKv kv) throws Exception {
                URI from = root().endpointUris().get(0);
                Path tmp = file.resolveSibling(file.getFileName() + ".part");
                long bytes;
                long[] shown = {0};
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    bytes = kv.maintenance().snapshot(from, out, total -> {
                        if (total - shown[0] >= (8 << 20)) {
                            shown[0] = total;
                            spec.commandLine().getErr().printf("... %d MiB%n", total >> 20);
                        }
                    }).join();
                } catch (RuntimeException e) {
                    Files.deleteIfExists(tmp);
                    throw e;
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                out().line("Snapshot saved at " + file + " (" + bytes + " bytes from " + from + ")");
                return 0;
            }
        }
    }
}
