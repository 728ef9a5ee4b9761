package raftkv.storage.backend;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import kotlin.Pair;
import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * The MapDB file of one generation: three maps in one transactional database, so that data and bookkeeping always
 * commit together.
 *
 * <ul>
 *   <li>{@code kv}: revision bytes ({@link raftkv.storage.Revision#toBytes}) to a {@link RecordCodec} record;</li>
 *   <li>{@code lease}: lease id to its encoded TTL;</li>
 *   <li>{@code meta}: one {@link Meta} record, but for its auth state;</li>
 *   <li>{@code auth}: the auth state ({@link raftkv.storage.auth.AuthCodec}), rewritten only when it changes.</li>
 * </ul>
 *
 * <p><b>Torn commits.</b> MapDB 3.1's write-ahead log makes a transaction atomic within the process (rollback, and
 * nothing reaches the file before commit), but it is never replayed on open: {@code StoreWAL.commit()} seals the
 * log, then copies the changed pages into the file, then deletes the log, and a process killed during the copy
 * leaves the file half old, half new (measured: about one SIGKILL in a hundred against a busy store). So every
 * commit is bracketed by a durable marker file, {@code COMMITTING}: created and fsynced before MapDB touches the
 * file, deleted after. {@link #open} refuses a database whose marker survived with {@link TornCommitException};
 * the caller rebuilds the state from elsewhere (the replicated layer: the newest snapshot and the Raft log).
 *
 * <p>Options, and why: {@code transactionEnable()} because without it a write lands in the file at once and even a
 * SIGKILL between commits can corrupt it; memory-mapped I/O because it doubles MapDB's get and put rates; values outside B-tree nodes
 * because otherwise every insert rewrites a whole leaf of values into the write-ahead log (measured here: 22k
 * puts/s inside nodes, 80k outside). Writes are visible to readers at once and become durable at
 * {@link #commit()}.
 *
 * <p>Thread-safe as MapDB is; the store decides what runs concurrently.
 */
public final class Backend implements Closeable {

    static final String FILE = "kv.db";
    static final String COMMIT_MARKER = "COMMITTING";

    private final Path dir;
    private final DB db;
    private final BTreeMap<byte[], byte[]> kv;
    private final BTreeMap<Long, byte[]> leases;
    private final Atomic.Var<byte[]> meta;
    private final Atomic.Var<byte[]> auth;
    /** The auth state last set, to write it only when it changed (it rarely does; meta is written every commit). */
    private byte[] authWritten;

    private Backend(Path dir, DB db, BTreeMap<byte[], byte[]> kv) {
        this.dir = dir;
        this.db = db;
        this.kv = kv;
        this.leases = db.treeMap("lease", Serializer.LONG, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable()
                .createOrOpen();
        this.meta = db.atomicVar("meta", Serializer.BYTE_ARRAY).createOrOpen();
        this.auth = db.atomicVar("auth", Serializer.BYTE_ARRAY).createOrOpen();
    }

    private static DB openDb(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return DBMaker.fileDB(dir.resolve(FILE).toFile())
                .transactionEnable()
                .fileMmapEnableIfSupported()
                .cleanerHackEnable()
                .make();
    }

    private static DB.TreeMapMaker<byte[], byte[]> kvMap(DB db) {
        return db.treeMap("kv", Serializer.BYTE_ARRAY, Serializer.BYTE_ARRAY).valuesOutsideNodesEnable();
    }

    /**
     * Opens the database in a generation directory, creating it when empty.
     *
     * @throws TornCommitException if the last process using it stopped in the middle of a commit
     */
    public static Backend open(Path dir) {
        if (Files.exists(dir.resolve(COMMIT_MARKER))) {
            throw new TornCommitException(dir);
        }
        DB db = openDb(dir);
        try {
            boolean fresh = !db.exists("kv");
            Backend b = new Backend(dir, db, kvMap(db).createOrOpen());
            if (fresh) {
                // Make the empty maps durable before any data: a crash must never find half a catalog.
                b.commit();
            }
            return b;
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * Builds a new database in an empty generation directory from records in ascending key order, bottom-up (far
     * faster than inserting one by one), then commits it with {@code meta} and {@code leases}. If {@code records}
     * throws, nothing usable is left behind: the caller discards the directory.
     */
    public static Backend build(Path dir, Iterator<Map.Entry<byte[], byte[]>> records, Map<Long, byte[]> leases,
                                Meta meta) {
        DB db = openDb(dir);
        try {
            Iterator<Pair<byte[], byte[]>> pairs = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return records.hasNext();
                }

                @Override
                public Pair<byte[], byte[]> next() {
                    Map.Entry<byte[], byte[]> e = records.next();
                    return new Pair<>(e.getKey(), e.getValue());
                }
            };
            Backend b = new Backend(dir, db, kvMap(db).createFrom(pairs));
            b.leases.putAll(leases);
            b.setMeta(meta);
            b.commit();
            return b;
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    public Path directory() {
        return dir;
    }

    public byte[] get(byte[] revisionKey) {
        return kv.get(revisionKey);
    }

    public void put(byte[] revisionKey, byte[] record) {
        kv.put(revisionKey, record);
    }

    public void remove(byte[] revisionKey) {
        kv.remove(revisionKey);
    }

    /** Records with keys in {@code [from, to)} in revision order; {@code to == null} means no upper bound. */
    public Iterator<Map.Entry<byte[], byte[]>> scan(byte[] from, byte[] to) {
        NavigableMap<byte[], byte[]> view = to == null ? kv.tailMap(from, true) : kv.subMap(from, true, to, false);
        return view.entrySet().iterator();
    }

    public long recordCount() {
        return kv.sizeLong();
    }

    public void putLease(long id, byte[] encoded) {
        leases.put(id, encoded);
    }

    public void removeLease(long id) {
        leases.remove(id);
    }

    public void forEachLease(BiConsumer<Long, byte[]> action) {
        leases.forEach(action);
    }

    /** The last written meta, with the auth state; {@link Meta#INITIAL} for a new database. */
    public Meta meta() {
        byte[] b = meta.get();
        byte[] a = auth.get();
        return (b == null ? Meta.INITIAL : Meta.decode(b)).withAuth(a);
    }

    /** Sets meta; its auth state is written too when it is not the one set last. Both commit with the data. */
    public void setMeta(Meta m) {
        meta.set(m.encodeWithoutAuth());
        if (m.auth() != authWritten) {
            auth.set(m.auth());
            authWritten = m.auth();
        }
    }

    /**
     * Makes every write so far durable. Atomic against a crash only in that a crash in the middle is detected on
     * the next open (see the class comment).
     */
    public void commit() {
        Path marker = dir.resolve(COMMIT_MARKER);
        try {
            try (FileChannel ch = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            DataDirectory.fsyncDirectory(dir);
            db.commit();
            Files.delete(marker); // not fsynced: if the deletion is lost, the next open rebuilds needlessly, safely
        } catch (IOException e) {
            throw new UncheckedIOException("cannot commit " + dir, e);
        }
    }

    /** Bytes on disk: the database file and any write-ahead log. */
    public long sizeOnDisk() {
        return sizeOnDisk(dir);
    }

    /** Bytes on disk of the database in a generation directory. */
    public static long sizeOnDisk(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Closes without committing: what was not committed is lost, as after a crash. */
    @Override
    public void close() {
        if (!db.isClosed()) {
            db.close();
        }
    }
}
