package raftkv.storage.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store's directory. The database lives in a generation directory ({@code db-1}, {@code db-2}, ...) and the file
 * {@code CURRENT} names the live one. Restore and defragment build the next generation beside the live one and
 * then switch {@code CURRENT} with an atomic rename, so a crash at any moment leaves either the old state or the
 * new one, never a mix; whatever is not named by {@code CURRENT} is deleted on open.
 *
 * <pre>
 *   dataDir/
 *     CURRENT            "db-2"
 *     SEEDED             present if the state was restored from a snapshot into a new cluster
 *     db-2/kv.db         MapDB file (+ kv.db.wal.N, MapDB's write-ahead log)
 *     db-2/COMMITTING    present while a commit is in flight (see Backend)
 * </pre>
 */
public final class DataDirectory {

    private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);
    private static final String CURRENT = "CURRENT";
    private static final String PREFIX = "db-";
    private static final String SEEDED = "SEEDED";

    private final Path root;
    private long generation;

    private DataDirectory(Path root, long generation) {
        this.root = root;
        this.generation = generation;
    }

    /** Opens (creating if needed) a data directory and removes generations left behind by an interrupted swap. */
    public static DataDirectory open(Path root) {
        try {
            Files.createDirectories(root);
            Path current = root.resolve(CURRENT);
            long gen;
            if (Files.exists(current)) {
                String name = Files.readString(current, StandardCharsets.UTF_8).trim();
                if (!name.startsWith(PREFIX) || !Files.isDirectory(root.resolve(name))) {
                    throw new IllegalStateException(current + " names '" + name
                            + "', which is not a database generation in " + root);
                }
                gen = Long.parseLong(name.substring(PREFIX.length()));
            } else {
                gen = 1;
                Files.createDirectories(root.resolve(PREFIX + gen));
                writeCurrent(root, gen);
            }
            DataDirectory dir = new DataDirectory(root, gen);
            dir.removeStale();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open data directory " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    /** The live generation's directory. */
    public Path current() {
        return root.resolve(PREFIX + generation);
    }

    /** A fresh, empty directory for the next generation; not live until {@link #switchTo}. */
    public Path prepareNext() {
        Path next = root.resolve(PREFIX + (generation + 1));
        try {
            deleteTree(next);
            Files.createDirectories(next);
            return next;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + next, e);
        }
    }

    /**
     * Makes {@code next} (from {@link #prepareNext}) the live generation. Returns the old generation's directory,
     * which the caller deletes with {@link #discard} once nothing uses it (a crash before that is harmless: open
     * removes it).
     */
    public Path switchTo(Path next) {
        long nextGen = generation + 1;
        if (!next.equals(root.resolve(PREFIX + nextGen))) {
            throw new IllegalArgumentException(next + " is not the prepared generation");
        }
        Path old = current();
        try {
            fsyncDirectory(next);
            writeCurrent(root, nextGen);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot switch " + root + " to " + next, e);
        }
        generation = nextGen;
        log.info("data directory {} now uses generation {}", root, next.getFileName());
        return old;
    }

    /** Deletes a generation that is not live: a prepared one that will not be used, or one switched away from. */
    public void discard(Path generationDir) {
        if (generationDir.equals(current())) {
            throw new IllegalArgumentException("refusing to delete the live generation " + generationDir);
        }
        try {
            deleteTree(generationDir);
        } catch (IOException e) {
            log.warn("could not delete generation {}", generationDir, e);
        }
    }

    /** Records that the live state was seeded from a snapshot rather than built by a log from its start. */
    public void markSeeded() {
        try {
            Files.write(root.resolve(SEEDED), new byte[0]);
            fsyncDirectory(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark " + root + " as seeded", e);
        }
    }

    public boolean isSeeded() {
        return Files.exists(root.resolve(SEEDED));
    }

    private void removeStale() throws IOException {
        Path live = current();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                boolean staleGeneration = name.startsWith(PREFIX) && !p.equals(live);
                boolean staleCurrent = name.startsWith(CURRENT + ".");
                if (staleGeneration || staleCurrent) {
                    log.info("removing {} left by an interrupted restore or defragment", p);
                    deleteTree(p);
                }
            }
        }
    }

    private static void writeCurrent(Path root, long gen) throws IOException {
        Path tmp = root.resolve(CURRENT + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap((PREFIX + gen + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            Files.move(tmp, root.resolve(CURRENT), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + root + " cannot rename atomically", e);
        }
        fsyncDirectory(root);
    }

    /**
     * Makes the directory's entries durable: a file created or renamed in it survives a power loss only once its
     * directory is synced too.
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(q);
            }
        }
    }
}
