package raftkv.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.MetricRegistry;
import org.apache.ratis.thirdparty.com.codahale.metrics.Snapshot;

/**
 * Ratis' own metrics (its log worker, log appenders, leader election, state machine updater), read when they are
 * scraped, so that a member's {@code /metrics} shows where a write spends its time inside Ratis. Ratis keeps them
 * in registries of a shaded Dropwizard; this turns their timers and counters into plain samples. Thread-safe.
 */
public final class RatisMetrics {

    /** A Ratis timer: how many, and the median and 99th percentile in seconds. */
    public record TimerSample(String name, long count, double p50Seconds, double p99Seconds) {
    }

    /** A Ratis counter. */
    public record CounterSample(String name, long count) {
    }

    private RatisMetrics() {
    }

    public static List<TimerSample> timers() {
        return samples(MetricRegistry::getTimers, (name, t) -> {
            Snapshot s = t.getSnapshot();
            return new TimerSample(name, t.getCount(), s.getMedian() / 1e9, s.get99thPercentile() / 1e9);
        });
    }

    public static List<CounterSample> counters() {
        return samples(MetricRegistry::getCounters, (name, c) -> new CounterSample(name, c.getCount()));
    }

    /** One sample per metric of one kind, over all of Ratis' registries, named as {@link #name} says. */
    private static <M, S> List<S> samples(Function<MetricRegistry, Map<String, M>> kind,
                                          BiFunction<String, M, S> sample) {
        List<S> out = new ArrayList<>();
        for (RatisMetricRegistry r : MetricRegistries.global().getMetricRegistries()) {
            if (r instanceof RatisMetricRegistryImpl impl) {
                for (Map.Entry<String, M> e : kind.apply(impl.getDropWizardMetricRegistry()).entrySet()) {
                    out.add(sample.apply(name(r.getMetricRegistryInfo(), e.getKey()), e.getValue()));
                }
            }
        }
        return out;
    }

    /**
     * The metric's name in Prometheus' alphabet. Ratis' own names already say component, peer and group (e.g.
     * {@code ratis_log_worker_n2@group-..._appendEntryLatency}) and are used as they are; a name that does not start
     * with {@code ratis} gets {@code ratis_<component>_} in front (prefixing them all doubled most of them, as in
     * {@code ratis_log_worker_ratis_log_worker_n2_...}).
     */
    static String name(MetricRegistryInfo info, String metric) {
        String raw = metric.startsWith("ratis") ? metric : "ratis_" + info.getMetricsComponentName() + "_" + metric;
        return raw.replaceAll("[^a-zA-Z0-9_]", "_").replaceAll("__+", "_");
    }
}
