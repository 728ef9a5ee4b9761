package raftkv.benchmark;

/**
 * The knobs of one run.
 *
 * @param inFlight     requests in flight at once (the clients of etcd's tool)
 * @param connections  client instances (each with its own connections) the requests are spread over
 * @param seconds      how long to measure, after {@code warmupSeconds} unmeasured
 * @param totalOps     stop after this many measured operations instead (0: run for {@code seconds})
 * @param rate         at most this many operations per second in all (0: as fast as they complete); latency then
 *                     counts from each operation's scheduled time, so a stall shows (no coordinated omission)
 * @param keySpace     keys are drawn from this many; {@code sequentialKeys} walks them in order instead
 */
public record LoadOptions(int inFlight, int connections, int seconds, int warmupSeconds, long totalOps, int rate,
                          int keySize, int valueSize, int keySpace, boolean sequentialKeys, boolean serializable,
                          int readPercent, int leases, int watchers) {

    public static LoadOptions defaults() {
        return new LoadOptions(256, 16, 10, 2, 0, 0, 16, 256, 10_000, false, false, 80, 100, 1_000);
    }

    public LoadOptions withInFlight(int n, int conns) {
        return new LoadOptions(n, conns, seconds, warmupSeconds, totalOps, rate, keySize, valueSize, keySpace,
                sequentialKeys, serializable, readPercent, leases, watchers);
    }

    public LoadOptions withTime(int measured, int warmup) {
        return new LoadOptions(inFlight, connections, measured, warmup, totalOps, rate, keySize, valueSize, keySpace,
                sequentialKeys, serializable, readPercent, leases, watchers);
    }

    public LoadOptions withSerializable(boolean s) {
        return new LoadOptions(inFlight, connections, seconds, warmupSeconds, totalOps, rate, keySize, valueSize,
                keySpace, sequentialKeys, s, readPercent, leases, watchers);
    }

    public LoadOptions withRate(int r) {
        return new LoadOptions(inFlight, connections, seconds, warmupSeconds, totalOps, r, keySize, valueSize,
                keySpace, sequentialKeys, serializable, readPercent, leases, watchers);
    }
}
