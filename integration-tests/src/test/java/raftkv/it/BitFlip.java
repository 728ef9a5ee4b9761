package raftkv.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * One bit flipped in a stopped member's Raft log or snapshot, as a failing disk or a cosmic ray would, and what the
 * member made of it when started again.
 */
final class BitFlip {

    private BitFlip() {
    }

    /**
     * Flips one random bit in one of {@code dataDir}'s closed Raft log segments, or, when {@code snapshot}, in its
     * newest snapshot (a segment when it has none yet). Returns what was flipped, for the report, or null when
     * there is no closed segment (they were all purged behind a snapshot).
     */
    static String flip(Path dataDir, boolean snapshot, Random rnd) throws IOException {
        List<Path> snapshots = files(dataDir, "snapshot\\.\\d+_\\d+");
        Path target;
        if (snapshot && !snapshots.isEmpty()) {
            target = snapshots.stream().max(Comparator.comparingLong(BitFlip::snapshotIndex)).orElseThrow();
        } else {
            List<Path> segments = files(dataDir, "log_\\d+-\\d+");
            if (segments.isEmpty()) {
                return null;
            }
            target = segments.get(rnd.nextInt(segments.size()));
        }
        long size = Files.size(target);
        long offset = (long) (rnd.nextDouble() * size);
        int bit = rnd.nextInt(8);
        try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ (1 << bit));
            f.getFD().sync();
        }
        return "bit " + bit + " of byte " + offset + " of " + size + " in " + dataDir.relativize(target);
    }

    /** Whether a member has what can be flipped: a closed log segment and a snapshot. */
    static boolean hasSegmentsAndSnapshots(Path dataDir) {
        try {
            return Files.exists(dataDir.resolve("raft")) && !files(dataDir, "log_\\d+-\\d+").isEmpty()
                    && !files(dataDir, "snapshot\\.\\d+_\\d+").isEmpty();
        } catch (IOException e) {
            return false; // a file went away while we listed (a purge): ask again
        }
    }

    private static List<Path> files(Path dataDir, String pattern) throws IOException {
        try (Stream<Path> walk = Files.walk(dataDir.resolve("raft"))) {
            return walk.filter(p -> p.getFileName().toString().matches(pattern)).sorted().toList();
        }
    }

    private static long snapshotIndex(Path p) {
        String name = p.getFileName().toString();
        return Long.parseLong(name.substring(name.indexOf('_') + 1));
    }

    /**
     * Whether {@code n}, just started, refused to start (its process ended), rather than serving as a follower of a
     * leader; waits until it is one or the other.
     */
    static boolean refusedToStart(TestCluster cluster, TestCluster.NodeProcess n) {
        boolean[] refused = {false};
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!n.isAlive()) {
                refused[0] = true;
                return true;
            }
            var s = cluster.api.status(n.endpoint());
            return s != null && s.path("leader").asInt() != 0;
        });
        return refused[0];
    }

    /** The reason a member gave for refusing to start, from its log. */
    static String why(TestCluster.NodeProcess n) throws IOException {
        String reason = "(no reason in its log)";
        for (String line : n.logText().split("\n")) {
            if (line.contains("REFUSING TO START")) {
                reason = line.substring(line.indexOf("REFUSING TO START")).trim();
            }
        }
        return reason;
    }
}
