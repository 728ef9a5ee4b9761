package raftkv.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Writes a command's result as {@code simple} lines, {@code json}, or an aligned {@code table}. */
final class Output {

    enum Format { simple, json, table }

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private final Format format;
    private final PrintWriter out;

    Output(Format format, PrintWriter out) {
        this.format = format;
        this.out = out;
    }

    Format format() {
        return format;
    }

    void line(String s) {
        out.println(s);
    }

    /** The whole result as one line of JSON (records as objects, bytes as base64, as the API has them). */
    void json(Object result) {
        try {
            out.println(JSON.writeValueAsString(result));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows under headers, in columns as wide as their widest cell (table), or comma-separated (simple). */
    void table(List<String> headers, List<List<String>> rows) {
        if (format == Format.simple) {
            rows.forEach(r -> out.println(String.join(", ", r)));
            return;
        }
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        all.addAll(rows);
        int[] width = new int[headers.size()];
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder rule = new StringBuilder("+");
        for (int w : width) {
            rule.append("-".repeat(w + 2)).append('+');
        }
        out.println(rule);
        for (int k = 0; k < all.size(); k++) {
            StringBuilder b = new StringBuilder("|");
            for (int i = 0; i < width.length; i++) {
                String cell = i < all.get(k).size() ? all.get(k).get(i) : "";
                b.append(' ').append(cell).append(" ".repeat(width[i] - cell.length())).append(" |");
            }
            out.println(b);
            if (k == 0) {
                out.println(rule);
            }
        }
        out.println(rule);
    }
}
