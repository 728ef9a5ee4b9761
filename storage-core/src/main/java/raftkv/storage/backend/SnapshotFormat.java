package raftkv.storage.backend;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import java.util.zip.CRC32C;
import raftkv.storage.Revision;

/**
 * The snapshot stream: a logical dump of the backend, written and read record by record so that neither side ever
 * holds the database in memory.
 *
 * <pre>
 *   "RKVSNAP1"                    magic and format version
 *   meta                          {@link Meta} (length-prefixed)
 *   leaseCount, {id, len, rec}*   the lease table
 *   {1, keyLen, key, len, rec}*   every record, in revision order
 *   0, recordCount                end of records
 *   crc32c                        of every byte above
 *   "RKVEND!!"
 * </pre>
 *
 * A reader refuses anything that does not parse exactly, a checksum mismatch, a missing end, or trailing bytes.
 */
public final class SnapshotFormat {

    private static final byte[] MAGIC = {'R', 'K', 'V', 'S', 'N', 'A', 'P', '1'};
    private static final byte[] END = {'R', 'K', 'V', 'E', 'N', 'D', '!', '!'};
    private static final int MAX_RECORD = 64 << 20;
    private static final int MAX_LEASES = 50_000_000;
    private static final int BUFFER = 1 << 16;

    private SnapshotFormat() {
    }

    /** Thrown when a snapshot stream is truncated, corrupt or not a snapshot. */
    public static final class CorruptSnapshotException extends IOException {
        CorruptSnapshotException(String message) {
            super(message);
        }

        CorruptSnapshotException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Writes a snapshot; returns the number of records written. Does not close {@code out}. */
    public static long write(OutputStream out, Meta meta, Map<Long, byte[]> leases,
                             Iterator<Map.Entry<byte[], byte[]>> records) throws IOException {
        BufferedOutputStream buffered = new BufferedOutputStream(out, BUFFER);
        CheckedOutputStream checked = new CheckedOutputStream(buffered, new CRC32C());
        DataOutputStream data = new DataOutputStream(checked);
        data.write(MAGIC);
        byte[] m = meta.encode();
        data.writeInt(m.length);
        data.write(m);
        data.writeInt(leases.size());
        for (Map.Entry<Long, byte[]> e : leases.entrySet()) {
            data.writeLong(e.getKey());
            data.writeInt(e.getValue().length);
            data.write(e.getValue());
        }
        long count = 0;
        while (records.hasNext()) {
            Map.Entry<byte[], byte[]> r = records.next();
            data.writeByte(1);
            data.writeByte(r.getKey().length);
            data.write(r.getKey());
            data.writeInt(r.getValue().length);
            data.write(r.getValue());
            count++;
        }
        data.writeByte(0);
        data.writeLong(count);
        data.flush();
        DataOutputStream trailer = new DataOutputStream(buffered);
        trailer.writeLong(checked.getChecksum().getValue());
        trailer.write(END);
        trailer.flush();
        return count;
    }

    /**
     * Reads a snapshot into a new database in the empty directory {@code dir} and verifies it completely. On any
     * error the directory may hold a partial database, which the caller must discard.
     *
     * @return the opened backend holding the snapshot
     */
    public static Backend read(InputStream in, Path dir) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
        CheckedInputStream checked = new CheckedInputStream(buffered, new CRC32C());
        DataInputStream data = new DataInputStream(checked);
        Backend built = null;
        try {
            byte[] magic = new byte[MAGIC.length];
            data.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new CorruptSnapshotException("not a raftkv snapshot (bad magic)");
            }
            int metaLen = data.readInt();
            if (metaLen <= 0 || metaLen > 64 + Meta.MAX_ALARMS * 9 + Meta.MAX_AUTH_BYTES) {
                throw new CorruptSnapshotException("bad meta length " + metaLen);
            }
            byte[] m = new byte[metaLen];
            data.readFully(m);
            Meta meta;
            try {
                meta = Meta.decode(m);
            } catch (IllegalStateException e) {
                throw new CorruptSnapshotException("bad meta record", e);
            }
            int leaseCount = data.readInt();
            if (leaseCount < 0 || leaseCount > MAX_LEASES) {
                throw new CorruptSnapshotException("bad lease count " + leaseCount);
            }
            Map<Long, byte[]> leases = new TreeMap<>();
            for (int i = 0; i < leaseCount; i++) {
                long id = data.readLong();
                leases.put(id, readBlock(data, "lease " + id));
            }
            RecordReader records = new RecordReader(data, meta.revision());
            try {
                built = Backend.build(dir, records, leases, meta);
            } catch (RuntimeException e) {
                if (records.failure != null) {
                    throw records.failure; // the stream's error, however MapDB wrapped it
                }
                throw e;
            }
            if (records.failure != null) {
                throw records.failure;
            }
            long declared = data.readLong();
            if (declared != records.count) {
                throw new CorruptSnapshotException("snapshot declares " + declared + " records but holds "
                        + records.count);
            }
            long crc = checked.getChecksum().getValue();
            DataInputStream trailer = new DataInputStream(buffered);
            long expected = trailer.readLong();
            if (crc != expected) {
                throw new CorruptSnapshotException(String.format("checksum mismatch: computed %08x, stored %08x",
                        crc, expected));
            }
            byte[] end = new byte[END.length];
            trailer.readFully(end);
            if (!Arrays.equals(end, END)) {
                throw new CorruptSnapshotException("bad end marker");
            }
            if (buffered.read() != -1) {
                throw new CorruptSnapshotException("trailing bytes after the end of the snapshot");
            }
            Backend ok = built;
            built = null;
            return ok;
        } catch (EOFException e) {
            throw new CorruptSnapshotException("snapshot is truncated", e);
        } finally {
            if (built != null) {
                built.close();
            }
        }
    }

    private static byte[] readBlock(DataInputStream data, String what) throws IOException {
        int len = data.readInt();
        if (len < 0 || len > MAX_RECORD) {
            throw new CorruptSnapshotException("bad length " + len + " of " + what);
        }
        byte[] b = new byte[len];
        data.readFully(b);
        return b;
    }

    /** Carries a stream error out of the MapDB bulk loader, which takes a plain iterator. */
    private static final class UncheckedCorruption extends RuntimeException {
        final IOException cause;

        UncheckedCorruption(IOException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    /** Parses records lazily for the bulk loader, checking each as it goes. */
    private static final class RecordReader implements Iterator<Map.Entry<byte[], byte[]>> {
        private final DataInputStream data;
        private final long maxRevision;
        private Map.Entry<byte[], byte[]> next;
        private byte[] last;
        private boolean done;
        long count;
        IOException failure;

        RecordReader(DataInputStream data, long maxRevision) {
            this.data = data;
            this.maxRevision = maxRevision;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                try {
                    next = readOne();
                } catch (IOException e) {
                    failure = e instanceof EOFException
                            ? new CorruptSnapshotException("snapshot is truncated", e) : e;
                    throw new UncheckedCorruption(failure);
                }
            }
            return next != null;
        }

        @Override
        public Map.Entry<byte[], byte[]> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Map.Entry<byte[], byte[]> r = next;
            next = null;
            return r;
        }

        private Map.Entry<byte[], byte[]> readOne() throws IOException {
            int tag = data.readUnsignedByte();
            if (tag == 0) {
                done = true;
                return null;
            }
            if (tag != 1) {
                throw new CorruptSnapshotException("bad record tag " + tag + " after " + count + " records");
            }
            int keyLen = data.readUnsignedByte();
            if (keyLen != Revision.BYTES && keyLen != Revision.BYTES + 1) {
                throw new CorruptSnapshotException("bad revision key length " + keyLen);
            }
            byte[] key = new byte[keyLen];
            data.readFully(key);
            long rev;
            try {
                rev = Revision.fromBytes(key);
            } catch (IllegalArgumentException e) {
                throw new CorruptSnapshotException("bad revision key", e);
            }
            if (Revision.mainOf(rev) > maxRevision) {
                // Not Revision.unpack: a damaged revision may be out of its range, and the message must not throw.
                throw new CorruptSnapshotException("record at main revision " + Revision.mainOf(rev)
                        + " is beyond the snapshot's revision " + maxRevision);
            }
            if (last != null && Arrays.compareUnsigned(last, key) >= 0) {
                throw new CorruptSnapshotException("records out of order at revision " + Revision.unpack(rev));
            }
            last = key;
            byte[] value = readBlock(data, "record " + Revision.unpack(rev));
            try {
                RecordCodec.keyOf(value);
            } catch (RuntimeException e) {
                throw new CorruptSnapshotException("unreadable record at revision " + Revision.unpack(rev), e);
            }
            count++;
            return Map.entry(key, value);
        }
    }
}
