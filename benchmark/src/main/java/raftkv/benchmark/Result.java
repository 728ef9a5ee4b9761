package raftkv.benchmark;

import org.HdrHistogram.Histogram;

/** What one run measured: throughput and latency percentiles (milliseconds) from HdrHistogram, and errors. */
public record Result(String workload, String driver, long ops, long errors, double seconds, double opsPerSecond,
                     double p50, double p90, double p99, double p999, double max) {

    static Result of(String workload, String driver, Histogram micros, long errors, double seconds) {
        long n = micros.getTotalCount();
        return new Result(workload, driver, n, errors, seconds, seconds > 0 ? n / seconds : 0,
                ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(90)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()));
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    public String line() {
        return String.format("%-14s %-7s %9.0f ops/s  p50 %7.2f  p90 %7.2f  p99 %7.2f  p99.9 %7.2f  max %7.2f ms"
                + "  (%d ops in %.1f s, %d errors)", workload, driver, opsPerSecond, p50, p90, p99, p999, max, ops,
                seconds, errors);
    }
}
