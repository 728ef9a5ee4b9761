package raftkv.it;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * HTTP/2 and gRPC written byte by byte, for the malformed-input tests of the gRPC port: a client library would
 * refuse to send most of what these do. Frames are built here and the server's answer is read back frame by frame.
 */
final class RawGrpc {

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int GOAWAY = 7;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;

    /**
     * The methods a garbage call is aimed at: unary and streaming, of every service, and ones that do not exist.
     * Not those that may rightly wait for long (Lock, Campaign) or change the membership (MemberAdd): random bytes
     * can make a valid request.
     */
    static final String[] METHODS = {
        "/etcdserverpb.KV/Range", "/etcdserverpb.KV/Put", "/etcdserverpb.KV/Txn", "/etcdserverpb.KV/DeleteRange",
        "/etcdserverpb.KV/Compact", "/etcdserverpb.Watch/Watch", "/etcdserverpb.Lease/LeaseGrant",
        "/etcdserverpb.Lease/LeaseKeepAlive", "/etcdserverpb.Lease/LeaseTimeToLive",
        "/etcdserverpb.Cluster/MemberList", "/etcdserverpb.Maintenance/Status", "/etcdserverpb.Maintenance/Alarm",
        "/etcdserverpb.Maintenance/HashKV", "/etcdserverpb.Auth/Authenticate", "/v3lockpb.Lock/Unlock",
        "/v3electionpb.Election/Leader", "/etcdserverpb.KV/NoSuchMethod", "/no.such.Service/Call",
    };

    private RawGrpc() {
    }

    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        return frame(type, flags, stream, payload.length, payload);
    }

    /** A frame whose header may declare another length than the payload it carries (a truncated frame). */
    static byte[] frame(int type, int flags, int stream, int declaredLength, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (declaredLength >>> 16);
        f[1] = (byte) (declaredLength >>> 8);
        f[2] = (byte) declaredLength;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) ((stream >>> 24) & 0x7f);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** A HEADERS frame that opens a gRPC call to {@code path} on {@code stream}. */
    static byte[] callHeaders(int stream, String path) {
        return callHeaders(stream, path, null);
    }

    /** A call's headers, with etcd's {@code token} metadata when {@code token} is not null. */
    static byte[] callHeaders(int stream, String path, String token) {
        Http2Headers h = new DefaultHttp2Headers().method("POST").scheme("http").path(path).authority("raftkv")
                .add("content-type", "application/grpc").add("te", "trailers");
        if (token != null) {
            h.add("token", token);
        }
        ByteBuf out = Unpooled.buffer();
        try {
            new DefaultHttp2HeadersEncoder().encodeHeaders(stream, h, out);
            byte[] block = new byte[out.readableBytes()];
            out.readBytes(block);
            return frame(HEADERS, END_HEADERS, stream, block);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            out.release();
        }
    }

    /** gRPC's length-prefixed message: uncompressed, {@code declaredLength} (may lie), then the bytes. */
    static byte[] message(int declaredLength, byte[] body) {
        byte[] m = new byte[5 + body.length];
        m[1] = (byte) (declaredLength >>> 24);
        m[2] = (byte) (declaredLength >>> 16);
        m[3] = (byte) (declaredLength >>> 8);
        m[4] = (byte) declaredLength;
        System.arraycopy(body, 0, m, 5, body.length);
        return m;
    }

    static byte[] random(Random r, int max) {
        byte[] b = new byte[r.nextInt(max + 1)];
        r.nextBytes(b);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** How a raw exchange ended: the gRPC status of stream 1 if the server answered it, and how the socket ended. */
    /** How stream 1 ended: its gRPC status and message (percent-decoded), if it got one. */
    record Outcome(Integer grpcStatus, String grpcMessage, boolean closedByServer, boolean goAway) {
    }

    /**
     * Reads the server's frames until stream 1 ends, the server closes, or {@code timeoutMs} passes; a timeout with
     * the connection still open and stream 1 unanswered is a hang, and throws.
     */
    static Outcome read(Socket s, int timeoutMs) throws IOException {
        s.setSoTimeout(timeoutMs);
        InputStream in = s.getInputStream();
        DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
        boolean goAway = false;
        try {
            while (true) {
                byte[] head = in.readNBytes(9);
                if (head.length < 9) {
                    return new Outcome(null, null, true, goAway);
                }
                int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
                int type = head[3];
                int flags = head[4];
                int stream = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8)
                        | (head[8] & 0xff);
                byte[] payload = in.readNBytes(length);
                if (payload.length < length) {
                    return new Outcome(null, null, true, goAway);
                }
                goAway |= type == GOAWAY;
                if (type == RST_STREAM && stream == 1) {
                    return new Outcome(null, null, false, goAway);
                }
                if (type == HEADERS && stream == 1) {
                    Http2Headers h = decode(decoder, stream, payload);
                    if ((flags & END_STREAM) != 0) {
                        CharSequence status = h.get("grpc-status");
                        CharSequence message = h.get("grpc-message");
                        return new Outcome(status == null ? null : Integer.parseInt(status.toString()),
                                message == null ? null : java.net.URLDecoder.decode(message.toString()
                                        .replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8),
                                false, goAway);
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            throw new RawHttp.Hang("no answer to stream 1 and no close within " + timeoutMs + " ms");
        }
    }

    private static Http2Headers decode(DefaultHttp2HeadersDecoder decoder, int stream, byte[] block)
            throws IOException {
        ByteBuf b = Unpooled.wrappedBuffer(block);
        try {
            return decoder.decodeHeaders(stream, b);
        } catch (Exception e) {
            throw new IOException("the server's header block does not decode: " + e, e);
        } finally {
            b.release();
        }
    }
}
