package raftkv.storage;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;

/**
 * The automatic compaction policy, as etcd's {@code --auto-compaction-mode}: either keep the last N revisions, or
 * keep a time window of history. It only decides the revision; what "compact" means is the caller's
 * {@code compactTo} (the store itself, or a compaction proposed through the Raft log so that every member compacts
 * at the same point). The store then works in bounded chunks, so a compaction never blocks writes for long.
 *
 * <p>Owned by its own scheduler thread; {@link #tick} may also be called directly (tests drive it with their own
 * clock).
 */
public final class Compactor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Compactor.class);

    /** What to keep. */
    public sealed interface Policy permits KeepRevisions, KeepWindow {
    }

    /** Keep the last {@code revisions} revisions; checked every {@code interval} (etcd: 5 minutes). */
    public record KeepRevisions(long revisions, Duration interval) implements Policy {
        public KeepRevisions {
            if (revisions < 1) {
                throw new IllegalArgumentException("revisions to keep must be positive");
            }
        }
    }

    /** Keep the history of the last {@code retention}; sampled ten times per window, as etcd does. */
    public record KeepWindow(Duration retention) implements Policy {
        public KeepWindow {
            if (retention.isNegative() || retention.isZero()) {
                throw new IllegalArgumentException("retention must be positive");
            }
        }
    }

    private final Policy policy;
    private final LongSupplier currentRevision;
    private final LongSupplier clockMillis;
    private final LongConsumer compactTo;
    /** (time, revision) samples of the window policy, oldest first. Owned by the ticking thread. */
    private final Deque<long[]> samples = new ArrayDeque<>();
    private long lastTarget;
    private ScheduledExecutorService scheduler;

    public Compactor(Policy policy, LongSupplier currentRevision, LongSupplier clockMillis, LongConsumer compactTo) {
        this.policy = policy;
        this.currentRevision = currentRevision;
        this.clockMillis = clockMillis;
        this.compactTo = compactTo;
    }

    /** Runs {@link #tick} on a daemon thread, at the policy's pace. */
    public synchronized void start() {
        long every = policy instanceof KeepRevisions k ? k.interval().toMillis()
                : Math.max(1, ((KeepWindow) policy).retention().toMillis() / 10);
        scheduler = Executors.newSingleThreadScheduledExecutor(Threads.daemon("raftkv-auto-compactor"));
        scheduler.scheduleWithFixedDelay(this::tickSafely, every, every, TimeUnit.MILLISECONDS);
        log.info("auto-compaction: {}", policy);
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            log.warn("auto-compaction failed; will try again", e);
        }
    }

    /** Decides whether to compact now, and to which revision; returns it, or 0 for none. */
    public synchronized long tick() {
        long now = clockMillis.getAsLong();
        long rev = currentRevision.getAsLong();
        long target = policy instanceof KeepRevisions k ? rev - k.revisions()
                : windowTarget(now, rev, ((KeepWindow) policy).retention().toMillis());
        if (target <= lastTarget || target <= 0) {
            return 0;
        }
        try {
            compactTo.accept(target);
            lastTarget = target;
            log.info("auto-compaction to revision {} (current {})", target, rev);
            return target;
        } catch (StorageException e) {
            if (e.code() == ErrorCode.COMPACTED) {
                lastTarget = target; // someone compacted further already
                return 0;
            }
            throw e;
        }
    }

    /** The revision that was current {@code retention} ago, from the samples taken since. */
    private long windowTarget(long now, long rev, long retention) {
        samples.addLast(new long[] {now, rev});
        long target = 0;
        while (!samples.isEmpty() && samples.peekFirst()[0] <= now - retention) {
            target = samples.removeFirst()[1];
        }
        return target;
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
