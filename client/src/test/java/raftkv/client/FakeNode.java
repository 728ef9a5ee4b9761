package raftkv.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A member of a cluster as far as the client's transport can tell: an HTTP/1.1 server on a loopback port of its own
 * (port 0) that records every request it reads and then does what the test scripted: answers, never answers, or
 * closes the connection. Plain sockets rather than an HTTP server library, so that "the request was read and then the
 * connection went away" is exactly that. Given an {@link SSLContext} it serves {@code https://} instead (JSSE server
 * sockets: the client's Netty TLS meets an independent implementation), asking for a client certificate if told to.
 * Public for kvctl's tests.
 */
public final class FakeNode implements Closeable {

    /** What the node does with a request it has read. */
    public sealed interface Action permits Reply, Hang, Drop {
    }

    /** Answers with {@code status} and {@code body}, naming {@code leader} (null: none) in the leader header. */
    public record Reply(int status, String body, String leader, String contentType) implements Action {
        public Reply(int status, String body) {
            this(status, body, null, "application/json");
        }

        Reply withLeader(String url) {
            return new Reply(status, body, url, contentType);
        }
    }

    /** Never answers (a node whose leader just died, a stalled disk): the client's timer must end the attempt. */
    public record Hang() implements Action {
    }

    /** Closes the connection without answering (a crash after the request arrived). */
    public record Drop() implements Action {
    }

    /** A request as the node read it; header names in lower case. */
    public record Request(String method, String path, String body, Map<String, String> headers) {

        /** The value of header {@code name} (any case), or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final ServerSocket server;
    private final URI uri;
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private final List<Request> log = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Function<Request, Action> script;
    private volatile boolean closed;

    public FakeNode(Function<Request, Action> script) throws IOException {
        this(script, null, false);
    }

    /** A node serving https with {@code tls} (null: plain http), requiring a client certificate if {@code needClientAuth}. */
    public FakeNode(Function<Request, Action> script, SSLContext tls, boolean needClientAuth) throws IOException {
        this.script = script;
        if (tls == null) {
            this.server = new ServerSocket();
        } else {
            SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
            s.setNeedClientAuth(needClientAuth);
            this.server = s;
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.uri = URI.create((tls == null ? "http" : "https") + "://127.0.0.1:" + server.getLocalPort());
        Thread acceptor = new Thread(this::accept, "fake-node-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static FakeNode always(Action action) throws IOException {
        return new FakeNode(r -> action);
    }

    /** The URL of a port nothing listens on: connecting to it is refused. */
    public static URI deadEndpoint() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
    }

    public URI uri() {
        return uri;
    }

    public void script(Function<Request, Action> script) {
        this.script = script;
    }

    /** Every request read so far. */
    public List<Request> requests() {
        return List.copyOf(log);
    }

    /** The next request read, waiting up to {@code millis}; null if none came (returns as soon as one does). */
    public Request nextRequest(long millis) throws InterruptedException {
        return requests.poll(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.add(s);
                Thread t = new Thread(() -> serve(s), "fake-node-conn-" + server.getLocalPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String requestLine = readLine(in);
                if (requestLine == null || requestLine.isEmpty()) {
                    return;
                }
                int length = 0;
                Map<String, String> headers = new HashMap<>();
                for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
                    int colon = h.indexOf(':');
                    if (colon > 0) {
                        headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                    }
                }
                if (headers.containsKey("content-length")) {
                    length = Integer.parseInt(headers.get("content-length"));
                }
                String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                String[] parts = requestLine.split(" ");
                Request request = new Request(parts[0], parts[1], body, Map.copyOf(headers));
                log.add(request);
                requests.add(request);
                Action action = script.apply(request);
                if (action instanceof Drop) {
                    return;
                }
                if (action instanceof Hang) {
                    released.await();
                    return;
                }
                Reply r = (Reply) action;
                byte[] payload = r.body().getBytes(StandardCharsets.UTF_8);
                StringBuilder head = new StringBuilder()
                        .append("HTTP/1.1 ").append(r.status()).append(" X\r\n")
                        .append("Content-Type: ").append(r.contentType()).append("\r\n")
                        .append("Content-Length: ").append(payload.length).append("\r\n");
                if (r.leader() != null) {
                    head.append("X-Raftkv-Leader: ").append(r.leader()).append("\r\n");
                }
                head.append("\r\n");
                out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
                out.write(payload);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the client went away, or the test ended
        }
    }

    /** A line without its CRLF; null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.US_ASCII);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        closed = true;
        released.countDown();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
