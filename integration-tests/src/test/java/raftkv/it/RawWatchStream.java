package raftkv.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One etcd Watch stream opened with grpc-java's own stub, for what jetcd cannot ask: several watches on one stream,
 * a client-chosen watch id and fragments (etcd's {@code watch_id = 7} and {@code fragment = 8}, which jetcd's copy of
 * the .proto lacks, written as unknown fields), progress requests, malformed creates. Records every response and
 * how the stream ended. Also etcd's {@code LeaseLeases}, which jetcd has no method for.
 */
final class RawWatchStream implements AutoCloseable {

    final ManagedChannel channel;
    final List<WatchResponse> responses = new CopyOnWriteArrayList<>();
    volatile Throwable error;
    volatile boolean completed;
    private final StreamObserver<WatchRequest> requests;

    RawWatchStream(String endpoint) {
        this.channel = channel(endpoint);
        this.requests = WatchGrpc.newStub(channel).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
                responses.add(r);
            }

            @Override
            public void onError(Throwable t) {
                error = t;
            }

            @Override
            public void onCompleted() {
                completed = true;
            }
        });
    }

    static ManagedChannel channel(String endpoint) {
        URI u = URI.create(endpoint);
        return ManagedChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
    }

    /** A create request; {@code watchId} 0 lets the server choose. */
    static WatchCreateRequest.Builder create(String key, byte[] rangeEnd, long watchId, boolean fragment) {
        WatchCreateRequest.Builder b = WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(key));
        if (rangeEnd != null) {
            b.setRangeEnd(ByteString.copyFrom(rangeEnd));
        }
        UnknownFieldSet.Builder extra = UnknownFieldSet.newBuilder();
        if (watchId != 0) {
            extra.addField(7, UnknownFieldSet.Field.newBuilder().addVarint(watchId).build());
        }
        if (fragment) {
            extra.addField(8, UnknownFieldSet.Field.newBuilder().addVarint(1).build());
        }
        return b.setUnknownFields(extra.build());
    }

    void send(WatchCreateRequest.Builder create) {
        send(WatchRequest.newBuilder().setCreateRequest(create).build());
    }

    synchronized void send(WatchRequest r) {
        requests.onNext(r);
    }

    /** {@code WatchResponse.fragment = 7}: more fragments of this response follow. */
    static boolean isFragment(WatchResponse r) {
        return r.getUnknownFields().hasField(7) && r.getUnknownFields().getField(7).getVarintList().contains(1L);
    }

    List<WatchResponse> of(long watchId) {
        return responses.stream().filter(r -> r.getWatchId() == watchId).toList();
    }

    /** Every lease's id, by etcd's LeaseLeases (header = 1, repeated LeaseStatus leases = 2, LeaseStatus.ID = 1). */
    static List<Long> leases(String endpoint) throws Exception {
        MethodDescriptor<StatusRequest, LeaseRevokeResponse> method = MethodDescriptor
                .<StatusRequest, LeaseRevokeResponse>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(LeaseGrpc.SERVICE_NAME, "LeaseLeases"))
                .setRequestMarshaller(ProtoUtils.marshaller(StatusRequest.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(LeaseRevokeResponse.getDefaultInstance())).build();
        ManagedChannel ch = channel(endpoint);
        try {
            LeaseRevokeResponse r = ClientCalls.blockingUnaryCall(ch, method,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), StatusRequest.getDefaultInstance());
            List<Long> ids = new ArrayList<>();
            if (r.getUnknownFields().hasField(2)) {
                for (ByteString status : r.getUnknownFields().getField(2).getLengthDelimitedList()) {
                    ids.add(UnknownFieldSet.parseFrom(status).getField(1).getVarintList().get(0));
                }
            }
            return ids;
        } finally {
            ch.shutdownNow();
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
