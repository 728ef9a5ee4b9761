package raftkv.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client would send: the test controls every byte and
 * sees whether the server answered, closed cleanly, or hung.
 */
final class RawHttp {

    /** What came back: the status (or {@link #CLOSED} when the server closed without an answer) and the body. */
    record Answer(int status, String text) {
        static final int CLOSED = -1;

        boolean isServerError() {
            return status >= 500;
        }
    }

    /** The server did not answer or close within the time allowed. */
    static final class Hang extends IOException {
        Hang(String what) {
            super(what);
        }
    }

    private RawHttp() {
    }

    static Socket connect(String endpoint) throws IOException {
        URI u = URI.create(endpoint);
        Socket s = new Socket();
        s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 2_000);
        return s;
    }

    static byte[] post(String path, byte[] body) {
        String head = "POST " + path + " HTTP/1.1\r\nHost: raftkv\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /** Sends {@code request} on a new connection and reads until the server closes, or fails after {@code millis}. */
    static Answer exchange(String endpoint, byte[] request, int millis) throws IOException {
        try (Socket s = connect(endpoint)) {
            s.setSoTimeout(millis);
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (SocketException e) {
                // The server may answer and close before it has read everything (a body over the limit).
            }
            return read(s, millis);
        }
    }

    /** Reads one answer (up to the close, or a whole response) from {@code s}. */
    static Answer read(Socket s, int millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        try {
            while (System.nanoTime() < deadline) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                got.write(buf, 0, n);
                if (complete(got.toString(StandardCharsets.ISO_8859_1))) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            if (got.size() == 0) {
                throw new Hang("no answer and no close within " + millis + " ms");
            }
        } catch (SocketException e) {
            // reset by the server: a clean enough close for garbage
        }
        String text = got.toString(StandardCharsets.ISO_8859_1);
        if (text.isEmpty()) {
            return new Answer(Answer.CLOSED, "");
        }
        if (!text.startsWith("HTTP/1.1 ")) {
            throw new IOException("not an HTTP answer: " + text.substring(0, Math.min(80, text.length())));
        }
        int status = Integer.parseInt(text.substring(9, 12));
        int body = text.indexOf("\r\n\r\n");
        return new Answer(status, body < 0 ? "" : text.substring(body + 4));
    }

    /** Whether {@code text} holds a whole response with a Content-Length body. */
    private static boolean complete(String text) {
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String head = text.substring(0, end).toLowerCase();
        int at = head.indexOf("content-length:");
        if (at < 0) {
            return false;
        }
        int eol = head.indexOf("\r\n", at);
        long length = Long.parseLong(head.substring(at + 15, eol < 0 ? head.length() : eol).trim());
        return text.length() - end - 4 >= length;
    }
}
