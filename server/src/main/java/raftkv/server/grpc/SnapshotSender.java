package raftkv.server.grpc;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.SnapshotResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.common.Threads;
import raftkv.server.Node;
import raftkv.server.ops.ChunkedOutput;
import raftkv.storage.StoreSnapshot;

/**
 * One {@code Maintenance.Snapshot} call: streams a store snapshot as etcd does, in 32 KiB blobs that each say how many
 * bytes remain, then the SHA-256 of every blob as a last 32-byte blob, which {@code etcdctl snapshot} and other etcd
 * clients check the file against; the snapshot is padded for etcdctl first ({@link SnapshotFraming}).
 *
 * <p>The snapshot is written on a thread of its own (as the JSON API's streams), which blocks while gRPC's transport is
 * not ready for more, so a slow client holds one 32 KiB blob here, never the snapshot. gRPC's threads only wake it: on
 * ready, and on cancel, after which it stops writing and closes the snapshot, releasing the store's maintenance lock
 * that an open snapshot holds.
 */
final class SnapshotSender {

    private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);
    /** etcd's {@code snapshotSendBufferSize}. */
    static final int CHUNK = 32 << 10;

    /** How long a client may leave the stream unready before it is ended: the open snapshot holds a lock. */
    static final long STALL_SECONDS = 60;

    /** Thrown into the snapshot's writer once the client stopped reading for {@link #STALL_SECONDS}. */
    private static final class Stalled extends IOException {
        Stalled() {
            super("the client read nothing for " + STALL_SECONDS + " s", null);
        }
    }

    /** Thrown into the snapshot's writer once the client went away. */
    private static final class Cancelled extends IOException {
        Cancelled() {
            super("the client cancelled the snapshot", null);
        }
    }

    private final Node node;
    private final ServerCallStreamObserver<SnapshotResponse> call;
    /** Guards the waits for readiness; notified by gRPC's threads. */
    private final Object readiness = new Object();
    private volatile boolean cancelled;

    // Owned by the sender thread.
    private long remaining;
    private ResponseHeader header;
    private MessageDigest sha;

    /** Must be made while gRPC runs the call's method: the handlers can be set only then. */
    SnapshotSender(Node node, ServerCallStreamObserver<SnapshotResponse> call) {
        this.node = node;
        this.call = call;
        call.setOnCancelHandler(() -> {
            cancelled = true;
            wake();
        });
        call.setOnReadyHandler(this::wake);
    }

    /**
     * Takes the opened snapshot (or the failure to open one) and sends it from a thread of its own; closes it when
     * the client has gone already.
     */
    void opened(StoreSnapshot snapshot, Throwable failure) {
        if (failure != null) {
            if (!cancelled) {
                call.onError(Calls.status(failure));
            }
            return;
        }
        if (cancelled) {
            snapshot.close();
            return;
        }
        Threads.daemon("raftkv-grpc-snapshot").newThread(() -> send(snapshot)).start();
    }

    private void send(StoreSnapshot snapshot) {
        long t0 = System.nanoTime();
        try (snapshot) {
            sha = MessageDigest.getInstance("SHA-256");
            header = Protos.header(node, snapshot.info().revision());
            long size = snapshot.size();
            long padding = SnapshotFraming.padding(size);
            remaining = size + padding;
            long total = remaining;
            // Not try-with-resources: after a failure, the blob in hand must not go out as if the snapshot ended.
            ChunkedOutput blobs = new ChunkedOutput(CHUNK, blob -> {
                sha.update(blob);
                emit(blob, true);
            });
            snapshot.writeTo(blobs);
            blobs.write(new byte[(int) padding]);
            blobs.close(); // the last blob is short unless the size is a multiple of 32 KiB
            emit(sha.digest(), false);
            call.onCompleted();
            log.info("sent a snapshot at revision {} over gRPC: {} bytes in {} ms", header.getRevision(), total,
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (NoSuchAlgorithmException e) {
            call.onError(Calls.status(e));
        } catch (IOException | RuntimeException e) {
            if (cancelled) {
                log.info("snapshot stream cancelled by the client after {} ms; the snapshot is released",
                        (System.nanoTime() - t0) / 1_000_000);
            } else if (e instanceof Stalled) {
                log.warn("snapshot stream ended: {}; the snapshot is released", e.getMessage());
                call.onError(io.grpc.Status.DEADLINE_EXCEEDED.withDescription("raftkv: " + e.getMessage()
                        + ", the snapshot stream was ended").asRuntimeException());
            } else {
                call.onError(Calls.status(e));
            }
        }
    }

    /** Sends one blob once the transport takes it; {@code counted}: part of the snapshot, not its checksum. */
    private void emit(byte[] blob, boolean counted) throws IOException {
        awaitReady();
        if (counted) {
            remaining = Math.max(0, remaining - blob.length);
        }
        call.onNext(SnapshotResponse.newBuilder().setHeader(header).setRemainingBytes(counted ? remaining : 0)
                .setBlob(ByteString.copyFrom(blob)).build());
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STALL_SECONDS);
        synchronized (readiness) {
            while (!call.isReady() && !cancelled) {
                if (System.nanoTime() > deadline) {
                    // The snapshot holds the store's maintenance lock: a reader that stopped reading must not keep
                    // compaction, defragment and snapshot installs waiting.
                    throw new Stalled();
                }
                try {
                    readiness.wait(1_000); // bounded: a wake-up lost to a race costs a second, not the stream
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("snapshot stream interrupted");
                }
            }
        }
        if (cancelled) {
            throw new Cancelled();
        }
    }

    private void wake() {
        synchronized (readiness) {
            readiness.notifyAll();
        }
    }
}
