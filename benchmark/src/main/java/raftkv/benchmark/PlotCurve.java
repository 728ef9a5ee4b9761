package raftkv.benchmark;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Plots a concurrency curve from the CSV that {@link Curve} writes: one PNG with two charts side by side,
 * throughput against requests in flight (log2 axis), and p50 (solid) and p99 (dashed) latency against the same (log
 * axis in ms), a line per system. Headless: it draws into an image, never on a screen.
 */
@CommandLine.Command(name = "plot-curve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Plots Curve's CSV of medians as a PNG: throughput and p50/p99 latency against requests in"
                + " flight, a line per system.")
public final class PlotCurve implements Callable<Integer> {

    /** A color per system, the same in both charts; systems not named here get the others in turn. */
    private static final Map<String, Color> COLORS = Map.of("raftkv", new Color(0x1f77b4), "etcd",
            new Color(0xff7f0e));
    private static final Color[] MORE = {new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd)};
    private static final BasicStroke SOLID = new BasicStroke(2f);
    private static final BasicStroke DASHED = new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
            10f, new float[] {6f, 4f}, 0f);

    @Option(names = "--csv", required = true, description = "Curve's --csv-out file") Path csv;
    @Option(names = "--png", defaultValue = "curve.png", description = "where to write the plot (default"
            + " ${DEFAULT-VALUE})") Path png;
    @Option(names = "--width", defaultValue = "1400", description = "pixels, both charts") int width;
    @Option(names = "--height", defaultValue = "560", description = "pixels") int height;
    @Option(names = "--title", description = "a line above both charts (default: the workload and the systems)")
    String title;

    public static void main(String[] args) {
        // Before any AWT class loads: a machine without a display must still draw.
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new PlotCurve()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<CurvePoint> points = CurvePoint.readCsv(csv);
        if (points.isEmpty()) {
            throw new IllegalArgumentException(csv + " has no points");
        }
        write(points, png, width, height, title);
        System.out.printf("wrote %s (%dx%d) from %s%n", png, width, height, csv);
        return 0;
    }

    /** Draws both charts into one {@code width} x {@code height} PNG at {@code png}. */
    static void write(List<CurvePoint> points, Path png, int width, int height, String title) throws Exception {
        List<String> systems = points.stream().map(CurvePoint::system).distinct().toList();
        String subtitle = title != null ? title : points.get(0).workload() + ": " + String.join(" and ", systems)
                + " side by side, medians of " + points.get(0).runs() + " rounds";
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setPaint(Color.WHITE);
            g.fillRect(0, 0, width, height);
            throughput(points, systems, subtitle).draw(g, new Rectangle(0, 0, width / 2, height));
            latency(points, systems, subtitle).draw(g, new Rectangle(width / 2, 0, width - width / 2, height));
        } finally {
            g.dispose();
        }
        Path dir = png.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        if (!ImageIO.write(image, "png", png.toFile())) {
            throw new IllegalStateException("no PNG writer in this JVM");
        }
    }

    static JFreeChart throughput(List<CurvePoint> points, List<String> systems, String subtitle) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (String system : systems) {
            XYSeries s = new XYSeries(system);
            points.stream().filter(p -> p.system().equals(system)).forEach(p -> s.add(p.inFlight(), p.opsPerSecond()));
            style(renderer, data.getSeriesCount(), color(systems, system), SOLID);
            data.addSeries(s);
        }
        NumberAxis y = new NumberAxis("operations per second");
        y.setAutoRangeIncludesZero(true);
        return chart("Throughput", subtitle, data, inFlightAxis(points), y, renderer);
    }

    /**
     * p50 and p99 of each system on a log axis: they span three orders of magnitude from 1 to 1024 in flight. A log
     * axis cannot show zero, so a point without latency (a level that completed nothing) is left out.
     */
    static JFreeChart latency(List<CurvePoint> points, List<String> systems, String subtitle) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (String system : systems) {
            XYSeries p50 = new XYSeries(system + " p50");
            XYSeries p99 = new XYSeries(system + " p99");
            for (CurvePoint p : points) {
                if (p.system().equals(system) && p.p50() > 0 && p.p99() > 0) {
                    p50.add(p.inFlight(), p.p50());
                    p99.add(p.inFlight(), p.p99());
                }
            }
            style(renderer, data.getSeriesCount(), color(systems, system), SOLID);
            data.addSeries(p50);
            style(renderer, data.getSeriesCount(), color(systems, system), DASHED);
            data.addSeries(p99);
        }
        LogAxis y = new LogAxis("latency (ms), p50 solid, p99 dashed");
        y.setBase(10);
        y.setTickUnit(new NumberTickUnit(1)); // a label at each power of ten
        y.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
        y.setSmallestValue(0.01);
        // Whole decades, so that at least two labels show: a range of 2-600 ms would label only 10 and 100.
        double min = points.stream().mapToDouble(CurvePoint::p50).filter(v -> v > 0).min().orElse(1);
        double max = points.stream().mapToDouble(CurvePoint::p99).filter(v -> v > 0).max().orElse(10);
        y.setRange(Math.pow(10, Math.floor(Math.log10(min))) / 1.05,
                Math.pow(10, Math.ceil(Math.log10(max))) * 1.05);
        return chart("Latency", subtitle, data, inFlightAxis(points), y, renderer);
    }

    /** Requests in flight on a log2 axis, a label at each power of two, with room around the outer levels. */
    private static LogAxis inFlightAxis(List<CurvePoint> points) {
        LogAxis x = new LogAxis("requests in flight");
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new DecimalFormat("0"));
        int min = points.stream().mapToInt(CurvePoint::inFlight).min().orElse(1);
        int max = points.stream().mapToInt(CurvePoint::inFlight).max().orElse(1);
        x.setRange(min / 1.4, max * 1.4);
        return x;
    }

    private static JFreeChart chart(String name, String subtitle, XYSeriesCollection data, ValueAxis x, ValueAxis y,
                                    XYLineAndShapeRenderer renderer) {
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(name, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle));
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static void style(XYLineAndShapeRenderer r, int series, Paint paint, BasicStroke stroke) {
        r.setSeriesPaint(series, paint);
        r.setSeriesStroke(series, stroke);
    }

    private static Color color(List<String> systems, String system) {
        Color c = COLORS.get(system);
        if (c != null) {
            return c;
        }
        List<String> others = new ArrayList<>(systems);
        others.removeIf(COLORS::containsKey);
        return MORE[others.indexOf(system) % MORE.length];
    }
}
