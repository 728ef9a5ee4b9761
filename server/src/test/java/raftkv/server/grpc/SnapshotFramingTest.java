package raftkv.server.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFramingTest {

    @TempDir
    Path dir;

    /** A stand-in for a raftkv snapshot: random bytes ending, as the format does, in a non-zero byte. */
    private static byte[] snapshot(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        b[size - 1] = '!';
        return b;
    }

    /** The file etcdctl snapshot save writes from raftkv's stream: padding, then the checksum of all before it. */
    private static byte[] framed(byte[] snapshot) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(snapshot);
        out.write(new byte[(int) SnapshotFraming.padding(snapshot.length)]);
        out.write(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
        return out.toByteArray();
    }

    private byte[] unwrapped(byte[] file) throws Exception {
        Path p = Files.write(dir.resolve("snap-" + file.length), file);
        try (InputStream in = SnapshotFraming.open(p)) {
            return in.readAllBytes();
        }
    }

    @Test
    void aFramedFileYieldsTheSnapshotWithoutPaddingOrChecksum() throws Exception {
        for (int size : new int[] {1, 511, 512, 513, 4096, 100_000}) {
            byte[] snap = snapshot(size, size);
            byte[] file = framed(snap);
            assertEquals(32, file.length % 512);
            assertArrayEquals(snap, unwrapped(file), "size " + size);
        }
    }

    @Test
    void aPlainSnapshotIsReadWhole() throws Exception {
        assertArrayEquals(snapshot(1000, 1), unwrapped(snapshot(1000, 1)));
        byte[] lookalike = snapshot(512 + 32, 2); // the framed length, but no checksum of its own
        assertArrayEquals(lookalike, unwrapped(lookalike));
    }

    @Test
    void aFramedFileWithABadChecksumIsLeftWholeForTheReaderToRefuse() throws Exception {
        byte[] file = framed(snapshot(700, 3));
        file[10] ^= 1;
        assertArrayEquals(file, unwrapped(file));
    }
}
