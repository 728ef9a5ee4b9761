package raftkv.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What etcd 3.5's API has beyond the messages this build uses. The generated classes come from jetcd's copy of
 * etcd's .proto files, which is trimmed: it lacks a few fields (a txn compare on a key's lease, a client-chosen
 * watch id, fragmented watch responses, four fields of Status, HashKV's hash revision) and methods (LeaseLeases,
 * MemberPromote, AuthStatus). Protobuf keeps fields it does not know as unknown fields, by number, so the missing
 * fields are read and written here by etcd's field numbers, and the missing methods are declared with messages of
 * the same wire shape. Every number below is etcd's, from its {@code rpc.proto}.
 */
final class EtcdWire {

    private EtcdWire() {
    }

    // ------------------------------------------------------------------------------------------------------ fields

    /** {@code Compare.lease = 8} (target LEASE = 4): the lease id the key must be attached to. */
    static long compareLease(io.etcd.jetcd.api.Compare c) {
        return varint(c.getUnknownFields(), 8);
    }

    /** {@code WatchCreateRequest.watch_id = 7}: the id the client chose (0: the server chooses). */
    static long watchId(io.etcd.jetcd.api.WatchCreateRequest c) {
        return varint(c.getUnknownFields(), 7);
    }

    /** {@code WatchCreateRequest.fragment = 8}: the client accepts a large response split into fragments. */
    static boolean fragment(io.etcd.jetcd.api.WatchCreateRequest c) {
        return varint(c.getUnknownFields(), 8) != 0;
    }

    /** Sets {@code WatchResponse.fragment = 7}: more fragments of this response follow. */
    static io.etcd.jetcd.api.WatchResponse.Builder fragment(io.etcd.jetcd.api.WatchResponse.Builder b) {
        return b.setUnknownFields(UnknownFieldSet.newBuilder(b.getUnknownFields()).addField(7, varintField(1))
                .build());
    }

    /**
     * Adds {@code StatusResponse.raftAppliedIndex = 7}, {@code errors = 8}, {@code dbSizeInUse = 9} and
     * {@code isLearner = 10}.
     */
    static io.etcd.jetcd.api.StatusResponse.Builder status(io.etcd.jetcd.api.StatusResponse.Builder b,
            long appliedIndex, List<String> errors, long dbSizeInUse, boolean learner) {
        UnknownFieldSet.Field.Builder e = UnknownFieldSet.Field.newBuilder();
        for (String s : errors) {
            e.addLengthDelimited(ByteString.copyFromUtf8(s));
        }
        return b.setUnknownFields(UnknownFieldSet.newBuilder().addField(7, varintField(appliedIndex))
                .addField(8, e.build()).addField(9, varintField(dbSizeInUse))
                .addField(10, varintField(learner ? 1 : 0)).build());
    }

    /** Adds {@code HashKVResponse.hash_revision = 4}: the revision the hash was computed at. */
    static io.etcd.jetcd.api.HashKVResponse.Builder hashRevision(io.etcd.jetcd.api.HashKVResponse.Builder b,
            long revision) {
        return b.setUnknownFields(UnknownFieldSet.newBuilder().addField(4, varintField(revision)).build());
    }

    /**
     * {@code LeaseLeasesResponse}: {@code header = 1}, {@code repeated LeaseStatus leases = 2}, each LeaseStatus
     * being {@code int64 ID = 1}. Written as a header-only response plus field 2.
     */
    static io.etcd.jetcd.api.LeaseRevokeResponse leases(io.etcd.jetcd.api.ResponseHeader header, List<Long> ids) {
        UnknownFieldSet.Field.Builder leases = UnknownFieldSet.Field.newBuilder();
        for (long id : ids) {
            leases.addLengthDelimited(message(UnknownFieldSet.newBuilder().addField(1, varintField(id)).build()));
        }
        return io.etcd.jetcd.api.LeaseRevokeResponse.newBuilder().setHeader(header)
                .setUnknownFields(UnknownFieldSet.newBuilder().addField(2, leases.build()).build()).build();
    }

    /** {@code AuthStatusResponse}: {@code header = 1}, {@code bool enabled = 2}, {@code uint64 authRevision = 3}. */
    static io.etcd.jetcd.api.AuthEnableResponse authStatus(io.etcd.jetcd.api.ResponseHeader header, boolean enabled,
            long authRevision) {
        return io.etcd.jetcd.api.AuthEnableResponse.newBuilder().setHeader(header)
                .setUnknownFields(UnknownFieldSet.newBuilder().addField(2, varintField(enabled ? 1 : 0))
                        .addField(3, varintField(authRevision)).build()).build();
    }

    private static long varint(UnknownFieldSet fields, int number) {
        if (!fields.hasField(number)) {
            return 0;
        }
        List<Long> values = fields.getField(number).getVarintList();
        return values.isEmpty() ? 0 : values.get(values.size() - 1);
    }

    private static UnknownFieldSet.Field varintField(long v) {
        return UnknownFieldSet.Field.newBuilder().addVarint(v).build();
    }

    private static ByteString message(UnknownFieldSet fields) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CodedOutputStream c = CodedOutputStream.newInstance(out);
            fields.writeTo(c);
            c.flush();
            return ByteString.copyFrom(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ----------------------------------------------------------------------------------------------------- methods

    /** A unary method of etcd's that the generated stubs lack, with messages of the same wire shape as etcd's. */
    static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(String service, String method,
            Q request, R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, method))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }

    /** {@code base}'s service with {@code extra} methods added to it (gRPC serves one definition per service). */
    static ServerServiceDefinition extend(ServerServiceDefinition base, ServerMethodDefinition<?, ?>... extra) {
        ServiceDescriptor.Builder d = ServiceDescriptor.newBuilder(base.getServiceDescriptor().getName())
                .setSchemaDescriptor(base.getServiceDescriptor().getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> m : base.getMethods()) {
            d.addMethod(m.getMethodDescriptor());
        }
        for (ServerMethodDefinition<?, ?> m : extra) {
            d.addMethod(m.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(d.build());
        for (ServerMethodDefinition<?, ?> m : base.getMethods()) {
            b.addMethod(m);
        }
        for (ServerMethodDefinition<?, ?> m : extra) {
            b.addMethod(m);
        }
        return b.build();
    }
}
