package raftkv.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One point of a concurrency curve: one system's medians over the rounds at one number of requests in flight. The
 * points are the CSV that {@link Curve} writes and {@link PlotCurve} reads, one row each, so that a plot can be
 * made again (or a table checked) from a run's file without running it again.
 *
 * @param workload    the curve's workload, as its runs are named: "put" or "get" (runs "put1", "put16", ...)
 * @param runs        how many rounds the medians are over
 * @param errors      the errors of all those runs together: a median would hide a round that failed
 */
record CurvePoint(String workload, String system, int inFlight, int connections, int runs, double opsPerSecond,
                  double p50, double p99, long errors) {

    static final String HEADER = "workload,system,in_flight,connections,runs,ops_per_s,p50_ms,p99_ms,errors";

    /** The name of a curve's run at {@code inFlight}, as in its results: "put" and 16 make "put16" (Compare's). */
    static String runName(String workload, int inFlight) {
        return workload + inFlight;
    }

    /**
     * The medians of the runs in {@code results} for each system and level, levels ascending and systems in the
     * order given; a pair without runs is left out.
     */
    static List<CurvePoint> medians(List<Result> results, String workload, List<Integer> levels,
                                    List<String> systems) {
        List<CurvePoint> points = new ArrayList<>();
        for (int level : levels.stream().sorted().distinct().toList()) {
            for (String system : systems) {
                List<Result> r = SideBySide.runs(results, runName(workload, level), system);
                if (!r.isEmpty()) {
                    points.add(new CurvePoint(workload, system, level, Curve.connections(level), r.size(),
                            SideBySide.median(r, Result::opsPerSecond), SideBySide.median(r, Result::p50),
                            SideBySide.median(r, Result::p99), r.stream().mapToLong(Result::errors).sum()));
                }
            }
        }
        return points;
    }

    /** The point of {@code system} at {@code inFlight}, or null. */
    static CurvePoint find(List<CurvePoint> points, String system, int inFlight) {
        return points.stream().filter(p -> p.system().equals(system) && p.inFlight() == inFlight).findFirst()
                .orElse(null);
    }

    String csvRow() {
        // Locale.ROOT: a decimal comma would split a field in two.
        return String.format(Locale.ROOT, "%s,%s,%d,%d,%d,%.1f,%.3f,%.3f,%d", workload, system, inFlight,
                connections, runs, opsPerSecond, p50, p99, errors);
    }

    static void writeCsv(Path file, List<CurvePoint> points) throws IOException {
        List<String> lines = new ArrayList<>(List.of(HEADER));
        points.forEach(p -> lines.add(p.csvRow()));
        Files.write(file, lines);
    }

    /**
     * The points of a CSV as {@link #writeCsv} writes it. Columns are found by their names in the header, so a file
     * with more columns, or in another order, reads too; a missing column or a bad number names its line.
     */
    static List<CurvePoint> readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        if (lines.isEmpty() || lines.get(0).isBlank()) {
            throw new IllegalArgumentException(file + " is empty");
        }
        List<String> header = Arrays.stream(lines.get(0).split(",")).map(String::strip).toList();
        int[] col = Arrays.stream(HEADER.split(",")).mapToInt(header::indexOf).toArray();
        for (int i = 0; i < col.length; i++) {
            if (col[i] < 0) {
                throw new IllegalArgumentException(file + ": no column " + HEADER.split(",")[i] + " in its header");
            }
        }
        List<CurvePoint> points = new ArrayList<>();
        for (int n = 1; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            String[] f = lines.get(n).split(",", -1);
            try {
                points.add(new CurvePoint(f[col[0]].strip(), f[col[1]].strip(), Integer.parseInt(f[col[2]].strip()),
                        Integer.parseInt(f[col[3]].strip()), Integer.parseInt(f[col[4]].strip()),
                        Double.parseDouble(f[col[5]]), Double.parseDouble(f[col[6]]), Double.parseDouble(f[col[7]]),
                        Long.parseLong(f[col[8]].strip())));
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException(file + " line " + (n + 1) + ": " + e.getMessage(), e);
            }
        }
        return points;
    }
}
