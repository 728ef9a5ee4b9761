package raftkv.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.ratis.metrics.MetricRegistryInfo;
import org.junit.jupiter.api.Test;

class RatisMetricsTest {

    private static MetricRegistryInfo component(String name) {
        return new MetricRegistryInfo("n2@group-AB12", "ratis", name, "test");
    }

    @Test
    void aNameThatAlreadySaysRatisIsKeptInPrometheusAlphabet() {
        assertEquals("ratis_log_worker_n2_group_AB12_appendEntryLatency",
                RatisMetrics.name(component("log_worker"), "ratis_log_worker_n2@group-AB12_appendEntryLatency"));
    }

    @Test
    void anyOtherNameGetsTheComponentInFront() {
        assertEquals("ratis_server_leaderElectionCount",
                RatisMetrics.name(component("server"), "leaderElectionCount"));
    }
}
