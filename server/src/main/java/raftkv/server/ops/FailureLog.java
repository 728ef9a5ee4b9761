package raftkv.server.ops;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Failed logins in the log, at most one line per interval with the count since the last one: an operator sees that
 * and whom someone is trying, and a flood of attempts (anyone may try, no credentials needed) cannot fill the disk.
 */
final class FailureLog {

    /** Writes one line: the user of this failure, and how many failures went unlogged before it. */
    interface Line {
        void write(String user, long unlogged);
    }

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final Line line;
    private final AtomicLong nextLineAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong unlogged = new AtomicLong();

    FailureLog(long intervalMs, LongSupplier nanoClock, Line line) {
        this.intervalNanos = intervalMs * 1_000_000;
        this.nanoClock = nanoClock;
        this.line = line;
    }

    /** One failed login of {@code user} (already made printable). */
    void record(String user) {
        long now = nanoClock.getAsLong();
        long next = nextLineAt.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextLineAt.compareAndSet(next, now + intervalNanos)) {
            line.write(user, unlogged.getAndSet(0));
        } else {
            unlogged.incrementAndGet();
        }
    }
}
