package raftkv.client.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import raftkv.client.DeleteOptions;
import raftkv.client.GetOptions;
import raftkv.client.KeyValue;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.Responses;

/** get, put, del, compaction. */
final class KvCommands {

    private KvCommands() {
    }

    @Command(name = "get", description = "Gets a key, or a range of keys (prints key, then value, per line).")
    static final class Get extends Kvctl.Base {
        @Parameters(index = "0") String key;
        @Parameters(index = "1", arity = "0..1", description = "range end (exclusive)") String rangeEnd;
        @Option(names = "--prefix") boolean prefix;
        @Option(names = "--rev", description = "read at this revision") long rev;
        @Option(names = "--limit") long limit;
        @Option(names = "--keys-only") boolean keysOnly;
        @Option(names = "--count-only") boolean countOnly;
        @Option(names = "--print-value-only") boolean valueOnly;
        @Option(names = "--consistency", defaultValue = "l", description = "l (linearizable) or s (serializable)")
        String consistency;

        @Override
        Integer run(RaftKv kv) {
            GetOptions o = GetOptions.DEFAULT.withRevision(rev).withLimit(limit);
            o = prefix ? o.withPrefix() : rangeEnd != null ? o.withRangeEnd(Kvctl.utf8(rangeEnd)) : o;
            o = keysOnly ? o.withKeysOnly() : o;
            o = countOnly ? o.withCountOnly() : o;
            o = "s".equals(consistency) ? o.withSerializable() : o;
            Responses.Get r = kv.kv().get(Kvctl.utf8(key), o).join();
            Output out = out();
            if (out.format() == Output.Format.json) {
                out.json(r);
            } else if (countOnly) {
                out.line(Long.toString(r.count()));
            } else {
                for (KeyValue x : r.kvs()) {
                    if (!valueOnly) {
                        out.line(x.keyString());
                    }
                    if (!keysOnly) {
                        out.line(x.valueString());
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "put", description = "Puts a value (prints OK).")
    static final class Put extends Kvctl.Base {
        @Parameters(index = "0") String key;
        @Parameters(index = "1") String value;
        @Option(names = "--lease", description = "lease id, in hex as lease grant prints it") String lease;
        @Option(names = "--prev-kv") boolean prevKv;

        @Override
        Integer run(RaftKv kv) {
            PutOptions o = PutOptions.DEFAULT;
            if (lease != null) {
                o = o.withLease(LeaseCommands.parseHex(lease));
            }
            if (prevKv) {
                o = o.withPrevKv();
            }
            Responses.Put r = kv.kv().put(Kvctl.utf8(key), Kvctl.utf8(value), o).join();
            Output out = out();
            if (out.format() == Output.Format.json) {
                out.json(r);
            } else {
                out.line("OK");
                if (r.prevKv() != null) {
                    out.line(r.prevKv().keyString());
                    out.line(r.prevKv().valueString());
                }
            }
            return 0;
        }
    }

    @Command(name = "del", description = "Deletes a key or a range (prints how many were deleted).")
    static final class Del extends Kvctl.Base {
        @Parameters(index = "0") String key;
        @Parameters(index = "1", arity = "0..1") String rangeEnd;
        @Option(names = "--prefix") boolean prefix;
        @Option(names = "--prev-kv") boolean prevKv;

        @Override
        Integer run(RaftKv kv) {
            DeleteOptions o = prefix ? DeleteOptions.DEFAULT.withPrefix()
                    : rangeEnd != null ? DeleteOptions.DEFAULT.withRangeEnd(Kvctl.utf8(rangeEnd))
                    : DeleteOptions.DEFAULT;
            o = prevKv ? o.withPrevKv() : o;
            Responses.Delete r = kv.kv().delete(Kvctl.utf8(key), o).join();
            Output out = out();
            if (out.format() == Output.Format.json) {
                out.json(r);
            } else {
                out.line(Long.toString(r.deleted()));
                for (KeyValue x : r.prevKvs()) {
                    out.line(x.keyString());
                    out.line(x.valueString());
                }
            }
            return 0;
        }
    }

    @Command(name = "compaction", description = "Discards the history below a revision.")
    static final class Compaction extends Kvctl.Base {
        @Parameters(index = "0") long revision;

        @Override
        Integer run(RaftKv kv) {
            kv.kv().compact(revision).join();
            out().line("compacted revision " + revision);
            return 0;
        }
    }
}
