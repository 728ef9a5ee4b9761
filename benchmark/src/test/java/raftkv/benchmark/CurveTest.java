package raftkv.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Curve's medians and CSV, and PlotCurve's PNG, from results made up here: no cluster runs. */
class CurveTest {

    @TempDir
    Path dir;

    private static Result run(String name, String system, double ops, double p50, double p99, long errors) {
        return new Result(name, system, (long) ops * 3, errors, 3, ops, p50, p50 * 1.5, p99, p99 * 2, p99 * 3);
    }

    private static Path fixture() throws Exception {
        return Path.of(CurveTest.class.getResource("/curve-fixture.csv").toURI());
    }

    @Test
    void mediansPerSystemAndLevelWithErrorsSummed() {
        List<Result> results = List.of(
                run("put1", "raftkv", 300, 3.0, 9.0, 0), run("put1", "etcd", 400, 2.0, 5.0, 0),
                run("put1", "raftkv", 100, 5.0, 7.0, 0), run("put1", "etcd", 500, 2.5, 6.0, 0),
                run("put1", "raftkv", 200, 4.0, 8.0, 0),
                run("put1024", "raftkv", 6000, 150, 500, 2), run("put1024", "raftkv", 5000, 170, 700, 3),
                run("put1024", "etcd", 4000, 200, 600, 0),
                run("get1", "raftkv", 9999, 0.1, 0.2, 0)); // another workload's run: not in the put curve
        List<CurvePoint> points = CurvePoint.medians(results, "put", List.of(1024, 16, 1), Curve.SYSTEMS);

        assertEquals(List.of(
                new CurvePoint("put", "raftkv", 1, 1, 3, 200, 4.0, 8.0, 0),
                new CurvePoint("put", "etcd", 1, 1, 2, 450, 2.25, 5.5, 0),
                new CurvePoint("put", "raftkv", 1024, 16, 2, 5500, 160, 600, 5),
                new CurvePoint("put", "etcd", 1024, 16, 1, 4000, 200, 600, 0)), points,
                "ascending levels, systems in order, 16 (no runs) left out, even counts averaged");
    }

    @Test
    void theCsvReadsBackAsWritten() throws Exception {
        List<CurvePoint> points = List.of(new CurvePoint("put", "raftkv", 4, 4, 5, 1234.5, 2.125, 10.5, 0),
                new CurvePoint("put", "etcd", 4, 4, 5, 1500.5, 1.75, 9.0, 7));
        Path csv = dir.resolve("curve.csv");
        CurvePoint.writeCsv(csv, points);

        assertEquals(CurvePoint.HEADER, Files.readAllLines(csv).get(0));
        assertEquals(points, CurvePoint.readCsv(csv));
    }

    @Test
    void theCsvIsReadByItsHeaderAndBadLinesAreNamed() throws Exception {
        Path reordered = Files.writeString(dir.resolve("reordered.csv"), "note,errors,p99_ms,p50_ms,ops_per_s,runs,"
                + "connections,in_flight,system,workload\nx,1,9.5,2.5,100.0,3,1,1,etcd,get\n\n");
        assertEquals(List.of(new CurvePoint("get", "etcd", 1, 1, 3, 100, 2.5, 9.5, 1)),
                CurvePoint.readCsv(reordered));

        Path missing = Files.writeString(dir.resolve("missing.csv"), "workload,system,in_flight\nput,etcd,1\n");
        var e = assertThrows(IllegalArgumentException.class, () -> CurvePoint.readCsv(missing));
        assertTrue(e.getMessage().contains("no column connections"), e.getMessage());

        Path bad = Files.writeString(dir.resolve("bad.csv"), CurvePoint.HEADER + "\nput,etcd,1,1,3,fast,1,2,0\n");
        e = assertThrows(IllegalArgumentException.class, () -> CurvePoint.readCsv(bad));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void theFixturePlotsAsAPngOfTheAskedSize() throws Exception {
        List<CurvePoint> points = CurvePoint.readCsv(fixture());
        assertEquals(8, points.size());
        assertEquals(new CurvePoint("put", "raftkv", 1024, 16, 3, 5600, 170, 520, 12), points.get(6));

        Path png = dir.resolve("img/put-curve.png"); // a folder that is not there yet
        assertEquals(0, new CommandLine(new PlotCurve()).execute("--csv", fixture().toString(), "--png",
                png.toString(), "--width", "900", "--height", "400"));

        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(900, image.getWidth());
        assertEquals(400, image.getHeight());
        long colored = 0; // the lines in the systems' colors, not a blank image
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                colored += rgb == 0x1f77b4 || rgb == 0xff7f0e ? 1 : 0;
            }
        }
        assertTrue(colored > 500, colored + " pixels in the systems' colors");
    }

    @Test
    void levelsAreAscendingAndAtMost16ClientsEach() {
        Curve c = new Curve();
        new CommandLine(c).parseArgs("--levels", "256,1,64,1", "--seconds", "3");
        List<SideBySide.Case> cases = c.cases(3);
        assertEquals(List.of("put1", "put64", "put256"), cases.stream().map(SideBySide.Case::name).toList());
        assertEquals(List.of(1, 16, 16), cases.stream().map(x -> x.options().connections()).toList());
        assertEquals(List.of(1, 64, 256), cases.stream().map(x -> x.options().inFlight()).toList());

        Curve range = new Curve();
        new CommandLine(range).parseArgs("--curve-workload", "range", "--levels", "4");
        assertEquals(Workload.RANGE, range.cases(3).get(0).workload());
        assertEquals("get4", range.cases(3).get(0).name());

        for (String[] args : new String[][] {{"--workload", "txn"}, {"--levels", "4,0"}}) {
            Curve wrong = new Curve();
            new CommandLine(wrong).parseArgs(args);
            assertThrows(CommandLine.ParameterException.class, () -> wrong.cases(3), String.join(" ", args));
        }
    }
}
