package raftkv.it.history;

/**
 * One client operation on one key of a register workload, as a history records it: what was asked, what came back
 * and when (invoke and complete, {@link System#nanoTime()} of the one process that ran every client).
 *
 * <p>{@code value} is the value a PUT or CAS writes, or the value a GET saw ({@code null}: no such key).
 * {@code expected} is what a CAS compares the key's value with. {@code succeeded} is a CAS's outcome, or for a
 * DELETE whether it deleted something. {@code revision} is the store revision the answer's header carried (0 when
 * unknown). An {@link Outcome#UNKNOWN} operation never completed: its {@code completeNanos} is
 * {@link Long#MAX_VALUE}, and it may or may not have taken effect.
 */
public record Operation(int id, int client, String key, Kind kind, String value, String expected, boolean succeeded,
                        Outcome outcome, long revision, long invokeNanos, long completeNanos) {

    public enum Kind { GET, PUT, DELETE, CAS }

    /** OK: the answer is known. FAILED: it provably did not take effect. UNKNOWN: it may or may not have. */
    public enum Outcome { OK, FAILED, UNKNOWN }

    public static Operation get(int id, int client, String key, String seen, long invoke, long complete) {
        return new Operation(id, client, key, Kind.GET, seen, null, true, Outcome.OK, 0, invoke, complete);
    }

    public static Operation put(int id, int client, String key, String value, long invoke, long complete) {
        return new Operation(id, client, key, Kind.PUT, value, null, true, Outcome.OK, 0, invoke, complete);
    }

    public static Operation delete(int id, int client, String key, boolean deleted, long invoke, long complete) {
        return new Operation(id, client, key, Kind.DELETE, null, null, deleted, Outcome.OK, 0, invoke, complete);
    }

    public static Operation cas(int id, int client, String key, String expected, String value, boolean succeeded,
                                long invoke, long complete) {
        return new Operation(id, client, key, Kind.CAS, value, expected, succeeded, Outcome.OK, 0, invoke, complete);
    }

    /** This operation with its answer lost: it may or may not have taken effect. */
    public Operation unknown() {
        return new Operation(id, client, key, kind, kind == Kind.GET ? null : value, expected, false, Outcome.UNKNOWN,
                0, invokeNanos, Long.MAX_VALUE);
    }

    public Operation withRevision(long rev) {
        return new Operation(id, client, key, kind, value, expected, succeeded, outcome, rev, invokeNanos,
                completeNanos);
    }

    /** Whether the operation changed the store, as far as its answer says. */
    public boolean acknowledgedWrite() {
        return outcome == Outcome.OK && (kind == Kind.PUT || (kind == Kind.CAS || kind == Kind.DELETE) && succeeded);
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case GET -> "get " + key + " -> " + (outcome == Outcome.OK ? show(value) : "?");
            case PUT -> "put " + key + " = " + value;
            case DELETE -> "delete " + key + (outcome == Outcome.OK ? (succeeded ? " -> deleted" : " -> absent") : "");
            case CAS -> "cas " + key + " " + show(expected) + " => " + value
                    + (outcome == Outcome.OK ? (succeeded ? " -> ok" : " -> failed") : "");
        };
        String end = completeNanos == Long.MAX_VALUE ? "never" : String.valueOf(completeNanos);
        return "#" + id + " c" + client + " [" + invokeNanos + ", " + end + "] " + what
                + (outcome == Outcome.UNKNOWN ? " (outcome unknown)" : "")
                + (revision > 0 ? " @rev " + revision : "");
    }

    private static String show(String v) {
        return v == null ? "<absent>" : v;
    }
}
