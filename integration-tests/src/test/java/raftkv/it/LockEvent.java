package raftkv.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One thing a {@link LockWorker} did, as it records it: one tab-separated line of its output file. The worker
 * writes the lines and the test reads them, so both sides share this one format.
 *
 * <p>{@code millis} is {@link System#currentTimeMillis()}: the workers and the test run on one machine, and the test
 * compares the times of a worker's steps with the times it froze that worker. {@code acquisition} counts the
 * worker's acquisitions from 1; {@code step} counts the writes of one acquisition from 1; {@code token} is the
 * acquisition's fencing token (the create revision of its lock key); {@code revision} is the store revision a step
 * was acknowledged at; {@code detail} is the lock key of an acquisition or the reason of an error.
 */
record LockEvent(long millis, int worker, Kind kind, int acquisition, int step, long token, long revision,
                 String detail) {

    enum Kind {
        /** The worker's process is up. */
        STARTED,
        /** A new session (lease): {@code detail} is its lease id. */
        SESSION,
        /** The session's keepalive gave up: its lock, if any, must be taken as gone. */
        SESSION_LOST,
        /** {@code lock()} returned: the worker believes it holds the lock, with {@code token}, under key {@code detail}. */
        ACQUIRED,
        /** A step's write was acknowledged at {@code revision}. */
        OK,
        /** A fenced step's compare failed: the lock key is gone or is another's, and nothing was written. */
        FENCED,
        /** A step's answer was lost: its write may or may not have been applied. */
        UNKNOWN,
        /** {@code unlock()} returned (or failed, with {@code detail} saying why). */
        RELEASED,
        /** Something outside a step failed (taking the lock, a new session): {@code detail} says what. */
        ERROR,
        /** The worker stopped as asked. */
        STOPPED
    }

    /** The value a step writes to the shared key: who wrote it, in which acquisition, at which step. */
    static String value(int worker, int acquisition, int step) {
        return worker + ":" + acquisition + ":" + step;
    }

    /** This step's value, as {@link #value} makes it. */
    String value() {
        return value(worker, acquisition, step);
    }

    String line() {
        return millis + "\t" + worker + "\t" + kind + "\t" + acquisition + "\t" + step + "\t" + token + "\t" + revision
                + "\t" + (detail == null ? "" : detail.replace('\t', ' ').replace('\n', ' ')) + "\n";
    }

    static LockEvent parse(String line) {
        String[] f = line.split("\t", 8);
        return new LockEvent(Long.parseLong(f[0]), Integer.parseInt(f[1]), Kind.valueOf(f[2]), Integer.parseInt(f[3]),
                Integer.parseInt(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]), f.length > 7 ? f[7] : "");
    }

    /**
     * The events of one worker's file, in the order written. A last line without its newline is being written (or
     * the worker was killed while writing it) and is left out.
     */
    static List<LockEvent> readAll(Path file) throws IOException {
        List<LockEvent> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) {
            return out;
        }
        for (String line : text.substring(0, end).split("\n")) {
            if (!line.isEmpty()) {
                out.add(parse(line));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "worker " + worker + " " + kind + switch (kind) {
            case ACQUIRED -> " #" + acquisition + " token " + token + " key " + detail;
            case OK -> " " + value() + " at revision " + revision;
            case FENCED, UNKNOWN -> " " + value() + (detail.isEmpty() ? "" : " (" + detail + ")");
            case RELEASED -> " #" + acquisition + (detail.isEmpty() ? "" : " (" + detail + ")");
            default -> detail.isEmpty() ? "" : " " + detail;
        } + " @" + millis;
    }
}
