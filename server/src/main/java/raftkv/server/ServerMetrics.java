package raftkv.server;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import raftkv.raft.RatisMetrics;

/**
 * Every metric of the server, in one place, and their Prometheus text exposition: requests and latency per
 * endpoint, errors, Raft term and indexes, leadership, store size and revision. The replicated layer's own
 * metrics ({@link raftkv.raft.RaftMetrics}) live in the same registry.
 */
public final class ServerMetrics {

    private final MetricRegistry registry;
    private final CollectorRegistry prometheus = new CollectorRegistry();
    private final ConcurrentHashMap<String, Timer> requestTimers = new ConcurrentHashMap<>();
    private final Counter errors;

    ServerMetrics(MetricRegistry registry, Node node) {
        this.registry = registry;
        this.errors = registry.counter("raftkv_http_errors_total");
        registry.register("raftkv_raft_term", (Gauge<Long>) () -> node.status().term());
        registry.register("raftkv_auth_bcrypt_checks", (Gauge<Long>) () -> node.passwords().bcryptChecks());
        registry.register("raftkv_raft_commit_index", (Gauge<Long>) () -> node.status().commitIndex());
        registry.register("raftkv_raft_applied_index", (Gauge<Long>) () -> node.status().appliedIndex());
        registry.register("raftkv_raft_is_leader", (Gauge<Integer>) () -> node.status().isLeader() ? 1 : 0);
        registry.register("raftkv_raft_leader_id", (Gauge<Integer>) () -> node.status().leaderId());
        registry.register("raftkv_mvcc_db_size_bytes", (Gauge<Long>) node::dbSize);
        registry.register("raftkv_mvcc_revision", (Gauge<Long>) () -> node.store().revision());
        registry.register("raftkv_mvcc_compact_revision", (Gauge<Long>) () -> node.store().compactRevision());
        registry.register("raftkv_mvcc_keys", (Gauge<Integer>) () -> node.store().stats().keys());
        registry.register("raftkv_mvcc_commits_total", (Gauge<Long>) () -> node.store().stats().commits());
        // Time spent in store commits: writes to the store wait while one runs.
        registry.register("raftkv_mvcc_commit_seconds_total",
                (Gauge<Double>) () -> node.store().stats().commitNanos() / 1e9);
        new DropwizardExports(registry).register(prometheus);
        new RatisCollector().register(prometheus);
    }

    /** Ratis' own timers (as summaries in seconds) and counters, read at each scrape. */
    private static final class RatisCollector extends Collector {
        @Override
        public List<MetricFamilySamples> collect() {
            List<MetricFamilySamples> out = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (RatisMetrics.TimerSample t : RatisMetrics.timers()) {
                String name = t.name() + "_seconds";
                if (seen.add(name)) {
                    out.add(new MetricFamilySamples(name, Type.SUMMARY, "Ratis timer " + t.name(), List.of(
                            new MetricFamilySamples.Sample(name, List.of("quantile"), List.of("0.5"), t.p50Seconds()),
                            new MetricFamilySamples.Sample(name, List.of("quantile"), List.of("0.99"),
                                    t.p99Seconds()),
                            new MetricFamilySamples.Sample(name + "_count", List.of(), List.of(), t.count()))));
                }
            }
            for (RatisMetrics.CounterSample c : RatisMetrics.counters()) {
                String name = c.name() + "_total";
                if (seen.add(name)) {
                    out.add(new MetricFamilySamples(name, Type.COUNTER, "Ratis counter " + c.name(), List.of(
                            new MetricFamilySamples.Sample(name, List.of(), List.of(), c.count()))));
                }
            }
            return out;
        }
    }

    /** The latency timer of an endpoint, e.g. {@code raftkv_http_kv_range_seconds}. */
    public Timer endpoint(String name) {
        return requestTimers.computeIfAbsent(name, n -> registry.timer("raftkv_http_" + n + "_seconds"));
    }

    public void error() {
        errors.inc();
    }

    /** Everything, in Prometheus' text format 0.0.4. */
    public String prometheusText() {
        StringWriter out = new StringWriter();
        try {
            TextFormat.write004(out, prometheus.metricFamilySamples());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
