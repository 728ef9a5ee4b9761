package raftkv.raft;

import java.io.ByteArrayOutputStream;

/** Appends varints, zigzag varints, fixed longs and length-prefixed bytes: the codecs' wire primitives. */
final class ByteWriter {
    final ByteArrayOutputStream out;

    ByteWriter() {
        this(64);
    }

    ByteWriter(int size) {
        out = new ByteArrayOutputStream(size);
    }

    void var(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    void zigzag(long v) {
        var((v << 1) ^ (v >> 63));
    }

    void fixed64(long v) {
        for (int i = 56; i >= 0; i -= 8) {
            out.write((int) (v >>> i));
        }
    }

    void bytes(byte[] b) {
        if (b == null) {
            var(0);
            return;
        }
        var(b.length);
        out.write(b, 0, b.length);
    }
}

