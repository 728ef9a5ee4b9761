package raftkv.server.grpc;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The framing etcd's gRPC snapshot stream puts around the snapshot it carries, so that etcd's tools take the file:
 * zero padding up to a multiple of 512 bytes (etcdctl's {@code snapshot save} refuses a download whose length is not
 * 32 past such a multiple: a bbolt file is whole pages), then the SHA-256 of everything before it. {@link
 * SnapshotSender} writes it; {@link #open} unwraps a saved file for a restore. A raftkv snapshot ends in a non-zero
 * byte, so its padding is never mistaken for its content. Stateless; any thread.
 */
public final class SnapshotFraming {

    static final int SECTOR = 512;
    static final int CHECKSUM_BYTES = 32;

    private SnapshotFraming() {
    }

    /** The zero bytes that follow a snapshot of {@code size} bytes. */
    static long padding(long size) {
        return (SECTOR - size % SECTOR) % SECTOR;
    }

    /**
     * The raftkv snapshot in {@code file}: the part before etcd's framing when the file has it (its length is 32 past
     * a multiple of 512 and ends in the SHA-256 of the rest), else the whole file. The caller closes the stream.
     */
    public static InputStream open(Path file) throws IOException {
        long length = Files.size(file);
        long payload = framed(file, length) ? length - CHECKSUM_BYTES - trailingZeros(file, length - CHECKSUM_BYTES)
                : length;
        InputStream in = Files.newInputStream(file);
        return new FilterInputStream(in) {
            private long left = payload;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }

    private static boolean framed(Path file, long length) throws IOException {
        if (length < CHECKSUM_BYTES || length % SECTOR != CHECKSUM_BYTES) {
            return false;
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] stored = new byte[CHECKSUM_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            long left = length - CHECKSUM_BYTES;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    return false;
                }
                sha.update(buf, 0, n);
                left -= n;
            }
            if (in.readNBytes(stored, 0, CHECKSUM_BYTES) != CHECKSUM_BYTES) {
                return false;
            }
        }
        return Arrays.equals(sha.digest(), stored);
    }

    /** How many of the (at most 511) bytes before {@code end} are zero: the padding. */
    private static long trailingZeros(Path file, long end) throws IOException {
        int window = (int) Math.min(end, SECTOR - 1);
        byte[] tail = new byte[window];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(end - window);
            f.readFully(tail);
        }
        int zeros = 0;
        while (zeros < window && tail[window - 1 - zeros] == 0) {
            zeros++;
        }
        return zeros;
    }
}
