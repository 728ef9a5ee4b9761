package raftkv.storage;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a store is opened.
 *
 * @param dir             its data directory
 * @param commitOps       group commit: commit once this many changes are waiting (etcd: 10,000)
 * @param commitInterval  group commit: or once the oldest waiting change is this old (etcd: 100 ms)
 * @param maxTxnOps       the most operations a txn may hold at one level (etcd: 128)
 * @param compactionBatch keys per step of index compaction and records per step of backend compaction; the store
 *                        lock is released between steps
 */
public record StoreConfig(Path dir, int commitOps, Duration commitInterval, int maxTxnOps, int compactionBatch) {

    public StoreConfig {
        if (dir == null) {
            throw new IllegalArgumentException("dir is required");
        }
        if (commitOps < 1 || maxTxnOps < 1 || compactionBatch < 1) {
            throw new IllegalArgumentException("commitOps, maxTxnOps and compactionBatch must be positive");
        }
        if (commitInterval == null || commitInterval.isNegative() || commitInterval.isZero()) {
            throw new IllegalArgumentException("commitInterval must be positive");
        }
    }

    public static StoreConfig defaults(Path dir) {
        return new StoreConfig(dir, 10_000, Duration.ofMillis(100), 128, 10_000);
    }

    public StoreConfig withCommitOps(int ops) {
        return new StoreConfig(dir, ops, commitInterval, maxTxnOps, compactionBatch);
    }

    public StoreConfig withCommitInterval(Duration interval) {
        return new StoreConfig(dir, commitOps, interval, maxTxnOps, compactionBatch);
    }

    public StoreConfig withMaxTxnOps(int ops) {
        return new StoreConfig(dir, commitOps, commitInterval, ops, compactionBatch);
    }

    public StoreConfig withCompactionBatch(int batch) {
        return new StoreConfig(dir, commitOps, commitInterval, maxTxnOps, batch);
    }
}
