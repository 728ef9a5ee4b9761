package raftkv.server.grpc;

import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Serves gRPC and the HTTP/1.1 JSON API on one port, as etcd does. grpc-java asks this negotiator for the first
 * handler of each new connection; that handler waits for the first bytes: HTTP/2's connection preface hands the
 * connection to gRPC (grpc-java's own plaintext negotiation follows), anything else to the HTTP/1.1 handlers,
 * which then own the connection and gRPC never sees it. Everything runs on the connection's event loop.
 */
public final class PortSharing implements InternalProtocolNegotiator.ProtocolNegotiator {

    /** How long a new connection may take to show which protocol it speaks. */
    private static final long UNDECIDED_SECONDS = 30;
    /** What every HTTP/2 connection starts with (RFC 9113, 3.4). */
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final InternalProtocolNegotiator.ProtocolNegotiator grpc = InternalProtocolNegotiators.serverPlaintext();
    private final Supplier<ChannelHandler[]> http1;

    /** {@code http1} gives new HTTP/1.1 handlers for one connection, in pipeline order. */
    public PortSharing(Supplier<ChannelHandler[]> http1) {
        this.http1 = http1;
    }

    @Override
    public AsciiString scheme() {
        return grpc.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return new Sniffer(grpcHandler);
    }

    @Override
    public void close() {
        grpc.close();
    }

    /** The first handler of a connection, until its first bytes say which protocol it speaks. */
    private final class Sniffer extends ByteToMessageDecoder {
        private final GrpcHttp2ConnectionHandler grpcHandler;
        /** grpc-java's signal to start negotiating, held back until the connection turns out to be gRPC. */
        private Object negotiationEvent;
        /** Closes a connection that sends too little to tell its protocol (grpc-java's own timeout is off). */
        private ScheduledFuture<?> undecided;

        Sniffer(GrpcHttp2ConnectionHandler grpcHandler) {
            this.grpcHandler = grpcHandler;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            undecided = ctx.executor().schedule(() -> {
                ctx.close();
            }, UNDECIDED_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            if (undecided != null) {
                undecided.cancel(false);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ProtocolNegotiationEvent) {
                negotiationEvent = evt;
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int seen = Math.min(in.readableBytes(), PREFACE.length);
            boolean preface = true;
            for (int i = 0; i < seen && preface; i++) {
                preface = in.getByte(in.readerIndex() + i) == PREFACE[i];
            }
            if (preface && seen < PREFACE.length) {
                return; // could still be either: wait for more
            }
            ChannelPipeline p = ctx.pipeline();
            if (preface) {
                p.addAfter(ctx.name(), null, grpc.newHandler(grpcHandler));
                if (negotiationEvent != null) {
                    ctx.fireUserEventTriggered(negotiationEvent);
                }
            } else {
                String after = ctx.name();
                for (ChannelHandler h : http1.get()) {
                    String name = h.getClass().getSimpleName() + "#" + System.identityHashCode(h);
                    p.addAfter(after, name, h);
                    after = name;
                }
            }
            // The bytes read so far go on to the handlers just installed.
            p.remove(this);
        }
    }
}
