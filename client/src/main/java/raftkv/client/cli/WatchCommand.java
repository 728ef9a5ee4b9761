package raftkv.client.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import raftkv.client.RaftKv;
import raftkv.client.WatchEvent;
import raftkv.client.WatchListener;
import raftkv.client.WatchOptions;

/** watch: prints each event (type, key, value) until interrupted; resumes by itself if its node dies. */
@Command(name = "watch", description = "Watches a key or range and prints events (PUT/DELETE, key, value).")
final class WatchCommand extends Kvctl.Base {
    @Parameters(index = "0") String key;
    @Option(names = "--prefix") boolean prefix;
    @Option(names = "--rev", description = "start revision (a past one replays history)") long rev;
    @Option(names = "--prev-kv") boolean prevKv;

    @Override
    Integer run(RaftKv kv) throws Exception {
        WatchOptions o = WatchOptions.DEFAULT.withStartRevision(rev);
        o = prefix ? o.withPrefix() : o;
        o = prevKv ? o.withPrevKv() : o;
        Output out = out();
        int[] exit = {0};
        Thread main = Thread.currentThread();
        kv.watch().watch(Kvctl.utf8(key), o, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events, long revision) {
                for (WatchEvent e : events) {
                    if (out.format() == Output.Format.json) {
                        out.json(e);
                    } else {
                        out.line(e.type().name());
                        out.line(e.kv().keyString());
                        if (e.type() == WatchEvent.Type.PUT) {
                            out.line(e.kv().valueString());
                        }
                    }
                }
            }

            @Override
            public void onCompacted(long compactRevision) {
                spec.commandLine().getErr().println("watch canceled: revision " + rev
                        + " has been compacted (compact revision " + compactRevision + ")");
                exit[0] = Kvctl.REFUSED;
                main.interrupt();
            }

            @Override
            public void onCanceled(String reason) {
                spec.commandLine().getErr().println("watch canceled: " + reason);
                exit[0] = Kvctl.REFUSED;
                main.interrupt();
            }
        });
        try {
            Kvctl.waitForever();
        } catch (InterruptedException e) {
            return exit[0];
        }
        return 0;
    }
}
