package raftkv.server.grpc;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InternalChannelz;
import io.grpc.SecurityLevel;
import io.grpc.internal.GrpcAttributes;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves gRPC and the HTTP/1.1 JSON API on one port, as etcd does. grpc-java asks this negotiator for the first
 * handler of each new connection; that handler waits for the first bytes: HTTP/2's connection preface hands the
 * connection to gRPC (grpc-java's own plaintext negotiation follows), anything else to the HTTP/1.1 handlers,
 * which then own the connection and gRPC never sees it. Everything runs on the connection's event loop.
 *
 * <p>With TLS, the first handler is Netty's {@link SslHandler} (for ALPN, see {@code ClientPortTls}), and the same
 * sniffing happens on the decrypted bytes once the handshake is done; a connection that fails the handshake
 * (plaintext, a client certificate from another CA, none where one is required) is closed, and only logged at
 * DEBUG, so that a port scanner cannot flood the log. A gRPC connection then carries the TLS session in its
 * attributes ({@code Grpc.TRANSPORT_ATTR_SSL_SESSION}), as grpc-java's own TLS negotiator sets it; an HTTP one finds
 * the {@code SslHandler} on its pipeline (see {@code raftkv.server.tls.TlsIdentity}).
 */
public final class PortSharing implements InternalProtocolNegotiator.ProtocolNegotiator {

    private static final Logger log = LoggerFactory.getLogger(PortSharing.class);

    /** How long a new connection may take to show which protocol it speaks. */
    private static final long UNDECIDED_SECONDS = 30;
    /** What every HTTP/2 connection starts with (RFC 9113, 3.4). */
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final InternalProtocolNegotiator.ProtocolNegotiator grpc = InternalProtocolNegotiators.serverPlaintext();
    private final Supplier<ChannelHandler[]> http1;
    /** The server's TLS context, or null for a plaintext port. */
    private final SslContext tls;

    /**
     * {@code http1} gives new HTTP/1.1 handlers for one connection, in pipeline order; {@code tls} is the server's
     * TLS context (see {@code raftkv.server.tls.ClientPortTls}), or null for a plaintext port.
     */
    public PortSharing(Supplier<ChannelHandler[]> http1, SslContext tls) {
        this.http1 = http1;
        this.tls = tls;
    }

    @Override
    public AsciiString scheme() {
        return tls == null ? grpc.scheme() : AsciiString.of("https");
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
        return tls == null ? new Sniffer(grpcHandler, null) : new Handshake(grpcHandler);
    }

    @Override
    public void close() {
        grpc.close();
    }

    /**
     * The first handler of a TLS connection (after the {@link SslHandler} it installs), until the handshake is
     * done: then a {@link Sniffer} takes over, with the session.
     */
    private final class Handshake extends ChannelInboundHandlerAdapter {
        private final GrpcHttp2ConnectionHandler grpcHandler;
        /** grpc-java's signal to start negotiating, handed on to the sniffer. */
        private Object negotiationEvent;

        Handshake(GrpcHttp2ConnectionHandler grpcHandler) {
            this.grpcHandler = grpcHandler;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            // SslHandler's own handshake timeout (10 s) closes connections that never finish it.
            ctx.pipeline().addBefore(ctx.name(), null, tls.newHandler(ctx.alloc()));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof ProtocolNegotiationEvent) {
                negotiationEvent = evt;
            } else if (evt instanceof SslHandshakeCompletionEvent done) {
                if (!done.isSuccess()) {
                    refuse(ctx, done.cause());
                    return;
                }
                SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                Sniffer sniffer = new Sniffer(grpcHandler, session);
                ctx.pipeline().addAfter(ctx.name(), null, sniffer);
                if (negotiationEvent != null) {
                    ctx.fireUserEventTriggered(negotiationEvent);
                }
                ctx.pipeline().remove(this);
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Before the handshake is done, every error is a failed handshake (SslHandler reports it here too).
            refuse(ctx, cause);
        }

        private void refuse(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel().isOpen()) {
                log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), rootMessage(cause));
                ctx.close();
            }
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** The first handler of a connection (the first after TLS), until its first bytes say which protocol it speaks. */
    private final class Sniffer extends ByteToMessageDecoder {
        private final GrpcHttp2ConnectionHandler grpcHandler;
        /** The connection's TLS session, or null for a plaintext port. */
        private final SSLSession session;
        /** grpc-java's signal to start negotiating, held back until the connection turns out to be gRPC. */
        private Object negotiationEvent;
        /** Closes a connection that sends too little to tell its protocol (grpc-java's own timeout is off). */
        private ScheduledFuture<?> undecided;

        Sniffer(GrpcHttp2ConnectionHandler grpcHandler, SSLSession session) {
            this.grpcHandler = grpcHandler;
            this.session = session;
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
            if (preface && session == null) {
                p.addAfter(ctx.name(), null, grpc.newHandler(grpcHandler));
                if (negotiationEvent != null) {
                    ctx.fireUserEventTriggered(negotiationEvent);
                }
            } else if (preface) {
                // What grpc-java's TLS negotiator ends with: the channel is active and the handshake done.
                p.addAfter(ctx.name(), null, InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler));
                if (negotiationEvent != null) {
                    ctx.fireUserEventTriggered(secured((ProtocolNegotiationEvent) negotiationEvent, ctx));
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

        /** grpc-java's negotiation event with the connection's addresses and TLS session, as its TLS handler sets. */
        private ProtocolNegotiationEvent secured(ProtocolNegotiationEvent event, ChannelHandlerContext ctx) {
            Attributes attrs = InternalProtocolNegotiationEvent.getAttributes(event).toBuilder()
                    .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, ctx.channel().localAddress())
                    .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, ctx.channel().remoteAddress())
                    .set(GrpcAttributes.ATTR_SECURITY_LEVEL, SecurityLevel.PRIVACY_AND_INTEGRITY)
                    .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session)
                    .build();
            return InternalProtocolNegotiationEvent.withSecurity(
                    InternalProtocolNegotiationEvent.withAttributes(event, attrs),
                    new InternalChannelz.Security(new InternalChannelz.Tls(session)));
        }
    }
}
