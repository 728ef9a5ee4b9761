package raftkv.client.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import raftkv.client.Cmp;
import raftkv.client.DeleteOptions;
import raftkv.client.GetOptions;
import raftkv.client.KeyValue;
import raftkv.client.PutOptions;
import raftkv.client.RaftKv;
import raftkv.client.Responses;
import raftkv.client.Txn;
import raftkv.client.TxnOp;

/**
 * txn, read from stdin as etcdctl reads it: compares, a blank line, the success requests, a blank line, the
 * failure requests. A compare is {@code value("k") = "v"} (also {@code version}, {@code create}, {@code mod},
 * {@code lease}; {@code = != > <}); a request is {@code put k v}, {@code get k [end]} or {@code del k [end]}.
 * Prints SUCCESS or FAILURE, then each response as put/get/del print theirs.
 */
@Command(name = "txn", description = "Runs a transaction read from stdin (see --help for the format).")
final class TxnCommand extends Kvctl.Base {

    private static final Pattern COMPARE =
            Pattern.compile("(value|version|create|mod|lease)\\(\"([^\"]*)\"\\)\\s*(=|!=|>|<)\\s*\"([^\"]*)\"");

    @Option(names = {"-i", "--interactive"}, description = "prompt for each part") boolean interactive;

    @Override
    Integer run(RaftKv kv) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(Kvctl.stdin(), StandardCharsets.UTF_8));
        Txn txn = kv.kv().txn();
        prompt("compares:");
        for (String line : section(in)) {
            txn.when(compare(line));
        }
        prompt("success requests (get, put, del):");
        for (String line : section(in)) {
            txn.then(request(line));
        }
        prompt("failure requests (get, put, del):");
        for (String line : section(in)) {
            txn.otherwise(request(line));
        }
        Responses.Txn r = txn.commit().join();
        Output out = out();
        if (out.format() == Output.Format.json) {
            out.json(r);
            return 0;
        }
        out.line(r.succeeded() ? "SUCCESS" : "FAILURE");
        for (Object o : r.responses()) {
            out.line("");
            if (o instanceof Responses.Get g) {
                for (KeyValue x : g.kvs()) {
                    out.line(x.keyString());
                    out.line(x.valueString());
                }
            } else if (o instanceof Responses.Delete d) {
                out.line(Long.toString(d.deleted()));
            } else {
                out.line("OK");
            }
        }
        return 0;
    }

    private void prompt(String what) {
        if (interactive) {
            spec.commandLine().getOut().println(what);
            spec.commandLine().getOut().flush();
        }
    }

    private static List<String> section(BufferedReader in) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l = in.readLine(); l != null && !l.isBlank(); l = in.readLine()) {
            lines.add(l.trim());
        }
        return lines;
    }

    static Cmp compare(String line) {
        Matcher m = COMPARE.matcher(line);
        if (!m.matches()) {
            throw new Kvctl.UsageError("bad compare \"" + line + "\": expected e.g. value(\"key\") = \"v\"");
        }
        Cmp.Op op = switch (m.group(3)) {
            case "=" -> Cmp.Op.EQUAL;
            case "!=" -> Cmp.Op.NOT_EQUAL;
            case ">" -> Cmp.Op.GREATER;
            default -> Cmp.Op.LESS;
        };
        String key = m.group(2);
        String v = m.group(4);
        try {
            return switch (m.group(1)) {
                case "value" -> Cmp.value(key, op, v);
                case "version" -> Cmp.version(key, op, Long.parseLong(v));
                case "create" -> Cmp.createRevision(key, op, Long.parseLong(v));
                case "mod" -> Cmp.modRevision(key, op, Long.parseLong(v));
                default -> Cmp.lease(key, op, LeaseCommands.parseHex(v));
            };
        } catch (NumberFormatException e) {
            throw new Kvctl.UsageError("bad compare \"" + line + "\": " + m.group(1) + " takes a number");
        }
    }

    static TxnOp request(String line) {
        String[] w = line.split("\\s+", 3);
        switch (w[0]) {
            case "put":
                if (w.length == 3) {
                    return TxnOp.put(w[1], w[2], PutOptions.DEFAULT);
                }
                break;
            case "get":
                if (w.length >= 2) {
                    return TxnOp.get(w[1], w.length == 3
                            ? GetOptions.DEFAULT.withRangeEnd(Kvctl.utf8(w[2])) : GetOptions.DEFAULT);
                }
                break;
            case "del":
                if (w.length >= 2) {
                    return TxnOp.delete(w[1], w.length == 3
                            ? DeleteOptions.DEFAULT.withRangeEnd(Kvctl.utf8(w[2])) : DeleteOptions.DEFAULT);
                }
                break;
            default:
                break;
        }
        throw new Kvctl.UsageError("bad request \"" + line
                + "\": expected put KEY VALUE, get KEY [END] or del KEY [END]");
    }
}
