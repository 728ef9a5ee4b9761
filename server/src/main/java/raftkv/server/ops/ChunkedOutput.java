package raftkv.server.ops;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * Cuts a byte stream into blobs of at most {@code size} bytes and hands each to a sink: how a snapshot dump becomes
 * a stream of messages (JSON lines, or gRPC's {@code SnapshotResponse}s) without ever being held whole. A blob leaves
 * when full, and the last, short one at {@link #close}; an exception of the sink reaches the writer as it is.
 */
public final class ChunkedOutput extends OutputStream {

    /** Takes each full blob; may block. */
    @FunctionalInterface
    public interface BlobSink {
        void accept(byte[] blob) throws Exception;
    }

    private final byte[] buf;
    private final BlobSink sink;
    private int n;
    private long total;

    public ChunkedOutput(int size, BlobSink sink) {
        this.buf = new byte[size];
        this.sink = sink;
    }

    @Override
    public void write(int b) throws java.io.IOException {
        buf[n++] = (byte) b;
        if (n == buf.length) {
            emit();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
        while (len > 0) {
            int k = Math.min(len, buf.length - n);
            System.arraycopy(b, off, buf, n, k);
            n += k;
            off += k;
            len -= k;
            if (n == buf.length) {
                emit();
            }
        }
    }

    @Override
    public void flush() {
        // blobs leave when full or at close: a flush mid-stream would only make them small
    }

    @Override
    public void close() throws java.io.IOException {
        if (n > 0) {
            emit();
        }
    }

    long total() {
        return total;
    }

    private void emit() throws java.io.IOException {
        try {
            sink.accept(Arrays.copyOf(buf, n));
        } catch (java.io.IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new java.io.IOException(e);
        }
        total += n;
        n = 0;
    }
}
