package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed input against a running member: generated bad requests (from a seeded generator, the seed printed) and
 * hand-made abuse of the connection itself. Every request gets a 4xx or a clean close, never a 5xx or a hang, and
 * afterwards the member is healthy and still agrees with the others.
 */
class MalformedInputIT {

    static final int CASES = Integer.getInteger("raftkv.fuzz.cases", 3_000);
    private static final int ANSWER_MS = 5_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static TestCluster cluster;
    static String target;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(3, dir, TestCluster.Settings.DEFAULT);
        target = cluster.node(1).endpoint();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void generatedBadRequestsGetA4xxAndChangeNothingThatMatters() throws Exception {
        long seed = Long.getLong("raftkv.fuzz.seed", System.currentTimeMillis());
        System.out.println("fuzz seed " + seed + ", " + CASES + " cases");
        RequestFuzzer fuzzer = new RequestFuzzer(new Random(seed));
        int rejected = 0;
        int accepted = 0;
        List<String> unnamed = new ArrayList<>();
        java.util.Map<String, Integer> acceptedKinds = new java.util.TreeMap<>();
        for (int i = 0; i < CASES; i++) {
            RequestFuzzer.Case c = fuzzer.next();
            RawHttp.Answer a;
            try {
                a = RawHttp.exchange(target, RawHttp.post(c.path(), c.body()), ANSWER_MS);
            } catch (RawHttp.Hang h) {
                throw new AssertionError("seed " + seed + ", case " + i + " (" + c + "): " + h.getMessage());
            }
            String where = "seed " + seed + ", case " + i + " (" + c + ") -> " + a;
            assertTrue(a.status() != RawHttp.Answer.CLOSED, where + ": closed without an answer");
            assertTrue(a.status() < 500, where);
            if (a.status() >= 400) {
                rejected++;
                // As etcd's gateway: {"error": text, "code": gRPC code, "message": text}.
                JsonNode err = JSON.readTree(a.text());
                assertTrue(err.path("message").isTextual() && !err.path("message").asText().isBlank(),
                        where + ": an error without a message");
                if (c.field() != null && !err.path("message").asText().contains(c.field())) {
                    unnamed.add(where);
                }
            } else {
                accepted++;
                if (Boolean.getBoolean("raftkv.fuzz.showAccepted")) {
                    System.out.println("accepted: " + c);
                }
                acceptedKinds.merge(c.mutation().replaceAll(" for .*| [0-9]+ deep", ""), 1, Integer::sum);
            }
        }
        System.out.printf("fuzz: %d rejected with a 4xx, %d were valid after all and accepted: %s%n", rejected,
                accepted, acceptedKinds);
        FaultChecks.report(String.format("malformed-input fuzz seed=%d: %d cases, %d rejected with a 4xx, %d accepted,"
                + " 0 server errors, 0 hangs", seed, CASES, rejected, accepted));
        assertTrue(unnamed.isEmpty(), unnamed.size() + " errors do not name the bad field, e.g.\n"
                + String.join("\n", unnamed.subList(0, Math.min(5, unnamed.size()))));
        assertStillHealthyAndConsistent();
    }

    @Test
    void abuseOfTheConnectionGetsA4xxOrACleanClose() throws Exception {
        byte[] big = new byte[3 << 20];
        java.util.Arrays.fill(big, (byte) 'a');
        List<byte[]> requests = List.of(
                RawHttp.post("/v3/kv/put", big),
                "\u0000\u0001\u0002 not http at all\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                ("GET /" + "x".repeat(100_000) + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                ("POST /v3/kv/put HTTP/1.1\r\nHost: a\r\nX-Big: " + "y".repeat(100_000) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                ("POST /v3/kv/put HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        + "zz\r\nnot a chunk\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                ("POST /v3/kv/put HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\nConnection: close\r\n\r\n{}")
                        .getBytes(StandardCharsets.US_ASCII),
                ("GET /v3/kv/put HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                ("DELETE /v3/kv/range HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                RawHttp.post("/v3/nothing/here", "{}".getBytes(StandardCharsets.UTF_8)));
        for (byte[] r : requests) {
            String shown = new String(r, 0, Math.min(60, r.length), StandardCharsets.ISO_8859_1).replace("\r\n", " ");
            RawHttp.Answer a = RawHttp.exchange(target, r, ANSWER_MS);
            System.out.println(shown + " -> " + a.status());
            assertTrue(a.status() == RawHttp.Answer.CLOSED || a.status() >= 400 && a.status() < 500,
                    shown + " -> " + a);
        }
        // A watch is a stream that starts at once (200), as etcd's gateway does: a bad message gets an error
        // message on it naming the field, and the stream ends.
        for (String bad : List.of("{\"create_request\": {\"key\": 12}}", "{not json", "[1,2]")) {
            RawHttp.Answer a = RawHttp.exchange(target, RawHttp.post("/v3/watch",
                    bad.getBytes(StandardCharsets.UTF_8)), ANSWER_MS);
            System.out.println("watch " + bad + " -> " + a.status() + " " + a.text().trim());
            assertTrue(a.status() >= 400 && a.status() < 500 || a.status() == 200 && a.text().contains("\"error\""),
                    "watch " + bad + " -> " + a);
        }
        assertTrue(RawHttp.exchange(target, RawHttp.post("/v3/watch", "{\"create_request\": {\"key\": 12}}"
                .getBytes(StandardCharsets.UTF_8)), ANSWER_MS).text().contains("create_request.key"));
        halfClosedSlowAndManyConnections();
        assertStillHealthyAndConsistent();
    }

    /**
     * A body over the limit always gets its 413, however fast the client writes (the server answers once it has
     * read the whole body: closing earlier lets a reset overtake the answer), and a keep-alive connection stays
     * usable after it.
     */
    @Test
    void oversizedBodiesAlwaysGetTheir413() throws Exception {
        byte[] big = new byte[2_100_000];
        java.util.Arrays.fill(big, (byte) 'a');
        for (int i = 0; i < 20; i++) {
            RawHttp.Answer a = RawHttp.exchange(target, RawHttp.post("/v3/kv/put", big), ANSWER_MS);
            assertEquals(413, a.status(), "attempt " + i + ": " + a);
            assertTrue(a.text().contains("request is too large"), a.text());
        }
        try (Socket s = RawHttp.connect(target)) {
            s.setSoTimeout(ANSWER_MS);
            OutputStream out = s.getOutputStream();
            out.write(keepAlive(RawHttp.post("/v3/kv/put", big)));
            assertEquals(413, RawHttp.read(s, ANSWER_MS).status());
            out.write(keepAlive(RawHttp.post("/v3/kv/range", "{\"key\":\"YQ==\"}".getBytes(StandardCharsets.UTF_8))));
            assertEquals(200, RawHttp.read(s, ANSWER_MS).status(), "the connection still serves after a 413");
        }
    }

    private static byte[] keepAlive(byte[] request) {
        String text = new String(request, StandardCharsets.ISO_8859_1).replaceFirst("Connection: close\r\n", "");
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A half-closed request is closed at once; a slow sender and 1,000 idle connections block nobody. */
    private void halfClosedSlowAndManyConnections() throws Exception {
        try (Socket s = RawHttp.connect(target)) {
            s.getOutputStream().write(("POST /v3/kv/put HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n{\"ke")
                    .getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            s.setSoTimeout(ANSWER_MS);
            RawHttp.Answer a = RawHttp.read(s, ANSWER_MS);
            assertTrue(a.status() == RawHttp.Answer.CLOSED || a.status() >= 400 && a.status() < 500, a.toString());
        }
        List<Socket> idle = new ArrayList<>();
        try (Socket slow = RawHttp.connect(target)) {
            String body = "{\"key\":\"" + ApiClient.b64("slow") + "\",\"value\":\"" + ApiClient.b64("v") + "\"}";
            OutputStream out = slow.getOutputStream();
            out.write(("POST /v3/kv/put HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                try {
                    for (byte b : body.getBytes(StandardCharsets.US_ASCII)) {
                        out.write(b);
                        out.flush();
                        TimeUnit.MILLISECONDS.sleep(40);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            for (int i = 0; i < 1_000; i++) {
                Socket s = RawHttp.connect(target);
                s.getOutputStream().write("POST /v3/kv/range HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                idle.add(s);
            }
            long t0 = System.nanoTime();
            var r = cluster.api.put(target, "fuzz/while-slow", "ok");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(200, r.status(), "a request beside a slow sender and 1,000 half-sent ones: " + r);
            System.out.println("a put beside a slow sender and 1,000 half-sent requests took " + ms + " ms");
            trickle.get(30, TimeUnit.SECONDS);
            slow.setSoTimeout(ANSWER_MS);
            assertEquals(200, RawHttp.read(slow, ANSWER_MS).status(), "the slow sender's put, once complete");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    /**
     * The gRPC side of the port, byte by byte: garbage after HTTP/2's preface, random frames, calls to every service
     * (and to methods that do not exist) whose messages are random bytes, lie about their length or are cut short,
     * and streams reset mid-request. Each connection ends with a gRPC status, a reset stream or a close by the
     * server, never a hang; afterwards the member is healthy, answers both protocols and agrees with the others.
     */
    @Test
    void garbageOnTheGrpcPortGetsAnErrorOrACleanClose() throws Exception {
        long seed = Long.getLong("raftkv.fuzz.seed", System.currentTimeMillis());
        int cases = Math.max(200, CASES / 10);
        Random r = new Random(seed);
        java.util.Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (int i = 0; i < cases; i++) {
            int kind = r.nextInt(5);
            byte[] settings = RawGrpc.frame(RawGrpc.SETTINGS, 0, 0, new byte[0]);
            String method = RawGrpc.METHODS[r.nextInt(RawGrpc.METHODS.length)];
            byte[] body = RawGrpc.random(r, 300);
            byte[] bytes = switch (kind) {
                case 0 -> RawGrpc.concat(RawGrpc.PREFACE, RawGrpc.random(r, 2_000));
                case 1 -> RawGrpc.concat(RawGrpc.PREFACE, settings, RawGrpc.frame(r.nextInt(10), r.nextInt(256),
                        r.nextInt(5), r.nextInt(64), RawGrpc.random(r, 64)), RawGrpc.random(r, 100));
                // a whole call whose message is random bytes (often no valid message of that type)
                case 2 -> RawGrpc.concat(RawGrpc.PREFACE, settings, RawGrpc.callHeaders(1, method),
                        RawGrpc.frame(RawGrpc.DATA, RawGrpc.END_STREAM, 1, RawGrpc.message(body.length, body)));
                // a message that claims more bytes than the stream carries before it ends
                case 3 -> RawGrpc.concat(RawGrpc.PREFACE, settings, RawGrpc.callHeaders(1, method),
                        RawGrpc.frame(RawGrpc.DATA, RawGrpc.END_STREAM, 1, RawGrpc.message(body.length + 1 + r
                                .nextInt(1_000), body)));
                // a call reset by the client half-way through its message
                default -> RawGrpc.concat(RawGrpc.PREFACE, settings, RawGrpc.callHeaders(1, method),
                        RawGrpc.frame(RawGrpc.DATA, 0, 1, RawGrpc.message(body.length + 100, body)),
                        RawGrpc.frame(RawGrpc.RST_STREAM, 0, 1, new byte[] {0, 0, 0, 8}));
            };
            String where = "seed " + seed + ", case " + i + " (kind " + kind + ", " + method + ")";
            RawGrpc.Outcome o;
            try (Socket s = RawHttp.connect(target)) {
                s.getOutputStream().write(bytes);
                if (kind < 2 || kind == 4) {
                    s.shutdownOutput(); // nothing more comes: the server must answer or close, not wait
                }
                o = RawGrpc.read(s, ANSWER_MS);
            } catch (RawHttp.Hang h) {
                throw new AssertionError(where + ": " + h.getMessage());
            }
            if (kind == 2 || kind == 3) {
                assertTrue(o.grpcStatus() != null, where + ": the call got no gRPC status: " + o);
            }
            String outcome = o.grpcStatus() != null ? "status " + io.grpc.Status.fromCodeValue(o.grpcStatus())
                    .getCode() : o.closedByServer() ? (o.goAway() ? "GOAWAY and close" : "close") : "reset";
            outcomes.merge(outcome, 1, Integer::sum);
        }
        System.out.println("gRPC fuzz seed " + seed + ", " + cases + " cases: " + outcomes);
        FaultChecks.report(String.format("gRPC malformed-input fuzz seed=%d: %d cases, %s, 0 hangs", seed, cases,
                outcomes));
        assertStillHealthyAndConsistent();
        try (io.etcd.jetcd.Client c = io.etcd.jetcd.Client.builder().endpoints(target).build()) {
            var key = io.etcd.jetcd.ByteSequence.from("fuzz/grpc-after", StandardCharsets.UTF_8);
            c.getKVClient().put(key, key).get(10, TimeUnit.SECONDS);
            assertEquals(1, c.getKVClient().get(key).get(10, TimeUnit.SECONDS).getCount());
        }
    }

    /** Watch and keepalive streams whose connections just vanish leave no watcher and no open stream behind. */
    @Test
    void abandonedGrpcStreamsLeaveNothingBehind() throws Exception {
        double watchers = cluster.api.metric(target, "raftkv_watch_watchers");
        double streams = cluster.api.metric(target, "raftkv_grpc_open_streams");
        byte[] settings = RawGrpc.frame(RawGrpc.SETTINGS, 0, 0, new byte[0]);
        byte[] create = io.etcd.jetcd.api.WatchRequest.newBuilder().setCreateRequest(
                io.etcd.jetcd.api.WatchCreateRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8(
                        "fuzz/abandoned"))).build().toByteArray();
        byte[] keepAlive = io.etcd.jetcd.api.LeaseKeepAliveRequest.newBuilder().setID(1).build().toByteArray();
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Socket s = RawHttp.connect(target);
                open.add(s);
                s.getOutputStream().write(RawGrpc.concat(RawGrpc.PREFACE, settings,
                        RawGrpc.callHeaders(1, "/etcdserverpb.Watch/Watch"),
                        RawGrpc.frame(RawGrpc.DATA, 0, 1, RawGrpc.message(create.length, create)),
                        RawGrpc.callHeaders(3, "/etcdserverpb.Lease/LeaseKeepAlive"),
                        RawGrpc.frame(RawGrpc.DATA, 0, 3, RawGrpc.message(keepAlive.length, keepAlive))));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.api.metric(target, "raftkv_watch_watchers")
                    >= watchers + 20 && cluster.api.metric(target, "raftkv_grpc_open_streams") >= streams + 40);
        } finally {
            for (Socket s : open) {
                s.setSoLinger(true, 0); // a reset, as a crashed client's kernel would send
                s.close();
            }
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertEquals(watchers, cluster.api.metric(target, "raftkv_watch_watchers"), "watchers left behind");
            assertEquals(streams, cluster.api.metric(target, "raftkv_grpc_open_streams"), "streams left open");
        });
    }

    /**
     * A watch stream whose client stops reading: the watch that floods it is cancelled by the server (the
     * slow-reader rule) rather than buffered without bound, the one on a quiet key lives on while the client stays
     * connected, and once the connection is reset nothing of the stream is left.
     */
    @Test
    void aWatchThatFloodsAReaderWhoReadsNothingIsCancelledAndNothingLeaks() throws Exception {
        double watchers = cluster.api.metric(target, "raftkv_watch_watchers");
        double slowCancels = cluster.api.metric(target, "raftkv_watch_slow_cancels_total");
        byte[] settings = RawGrpc.frame(RawGrpc.SETTINGS, 0, 0, new byte[0]);
        byte[] busy = watchCreate("fuzz/flooded/");
        byte[] quiet = watchCreate("fuzz/quiet");
        try (Socket s = RawHttp.connect(target)) {
            s.getOutputStream().write(RawGrpc.concat(RawGrpc.PREFACE, settings,
                    RawGrpc.callHeaders(1, "/etcdserverpb.Watch/Watch"),
                    RawGrpc.frame(RawGrpc.DATA, 0, 1, RawGrpc.message(busy.length, busy)),
                    RawGrpc.frame(RawGrpc.DATA, 0, 1, RawGrpc.message(quiet.length, quiet))));
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.api.metric(target, "raftkv_watch_watchers")
                    >= watchers + 2);
            String value = ApiClient.b64("x".repeat(1 << 20));
            // 1 MiB a put, read by nobody: the server queues at most 8 MiB for a stream.
            for (int i = 0; i < 40 && cluster.api.metric(target, "raftkv_watch_watchers") > watchers + 1; i++) {
                cluster.api.post(target, "/v3/kv/put", "{\"key\":\"" + ApiClient.b64("fuzz/flooded/" + (i % 4))
                        + "\",\"value\":\"" + value + "\"}");
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(watchers + 1,
                    cluster.api.metric(target, "raftkv_watch_watchers"), "the flooding watch is cancelled"));
            assertTrue(cluster.api.metric(target, "raftkv_watch_slow_cancels_total") > slowCancels);
            s.setSoLinger(true, 0); // then a reset, as a crashed client's kernel would send
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(watchers,
                cluster.api.metric(target, "raftkv_watch_watchers"), "the quiet watch is gone with its stream"));
    }

    private static byte[] watchCreate(String key) {
        var create = io.etcd.jetcd.api.WatchCreateRequest.newBuilder()
                .setKey(com.google.protobuf.ByteString.copyFromUtf8(key));
        if (key.endsWith("/")) {
            create.setRangeEnd(com.google.protobuf.ByteString.copyFromUtf8(key.substring(0, key.length() - 1) + "0"));
        }
        return io.etcd.jetcd.api.WatchRequest.newBuilder().setCreateRequest(create).build().toByteArray();
    }

    /** Healthy (after clearing any alarm the fuzz raised), serving writes, and hashing alike with the others. */
    private static void assertStillHealthyAndConsistent() throws Exception {
        for (JsonNode a : cluster.api.post(target, "/v3/maintenance/alarm", "{}").body().path("alarms")) {
            ObjectNode off = ApiClient.obj().put("action", "DEACTIVATE").put("memberID", a.path("memberID").asLong())
                    .put("alarm", a.path("alarm").asText());
            cluster.api.post(target, "/v3/maintenance/alarm", off);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.api.healthy(target));
        assertEquals(200, cluster.api.put(target, "fuzz/after", "fine").status());
        assertEquals("fine", cluster.api.value(cluster.node(2).endpoint(), "fuzz/after"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> FaultChecks.assertMembersHashAlike("fuzz: ",
                cluster));
    }
}
