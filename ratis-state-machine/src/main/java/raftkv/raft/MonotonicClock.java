package raftkv.raft;

/**
 * Milliseconds from an arbitrary origin that only move forward, for the lease clocks: a step of the wall clock
 * (NTP, an operator, a VM resumed on another host) must neither expire every lease at once nor keep them forever.
 * Expiry times are only ever compared with this clock on the member that set them (the leader), never across
 * members or restarts, so an arbitrary origin is enough.
 */
@FunctionalInterface
public interface MonotonicClock {

    long millis();

    /** {@link System#nanoTime()}, in milliseconds. */
    MonotonicClock SYSTEM = () -> System.nanoTime() / 1_000_000;
}
