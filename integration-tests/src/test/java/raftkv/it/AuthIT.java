package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import raftkv.client.RaftKv;
import raftkv.client.RaftKvException;
import raftkv.client.cli.Kvctl;

/**
 * Authentication and authorization against a real 3-member cluster, over both protocols and through every client:
 * curl-like HTTP with a token, etcdctl ({@code --user}), jetcd, raftkv's Java client and kvctl. A user whose role
 * may only read {@code app/} reads {@code app/x} and nothing else, and each refusal is etcd's error; root may do
 * everything; a revoked permission ends at once, writes in flight included; the auth state survives a restart of
 * every member and a snapshot install, with equal hashes; and no log line holds a password or a token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT_PASSWORD = "r00t-Secret-pw";
    private static final String READER_PASSWORD = "reader-Secret-pw";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    /** Every token handed out in this class: none may ever appear in a node's log. */
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private TestCluster cluster;
    /** Root's token; taken anew before each test, as tokens expire (300 s by default). */
    private String rootToken;

    /** A response: HTTP status and parsed body. */
    record Answer(int status, JsonNode body) {
        String error() {
            return body.path("error").asText();
        }
    }

    @BeforeAll
    void startAndEnableAuth(@TempDir Path dir) throws Exception {
        // Small snapshots and segments, so that a wiped member is brought back by a snapshot install.
        cluster = TestCluster.start(3, dir.resolve("AuthIT"), new TestCluster.Settings(500, 200, 64 * 1024));
        String ep = endpoint(1);
        assertOk(post(ep, "/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"" + ROOT_PASSWORD + "\"}", null));
        assertOk(post(ep, "/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}", null));
        assertOk(post(ep, "/v3/auth/user/add", "{\"name\":\"alice\",\"password\":\"" + READER_PASSWORD + "\"}", null));
        assertOk(post(ep, "/v3/auth/role/add", "{\"name\":\"app-reader\"}", null));
        assertOk(post(ep, "/v3/auth/role/grant", "{\"name\":\"app-reader\",\"perm\":{\"permType\":\"READ\",\"key\":\""
                + b64("app/") + "\",\"range_end\":\"" + b64("app0") + "\"}}", null));
        assertOk(post(ep, "/v3/auth/user/grant", "{\"user\":\"alice\",\"role\":\"app-reader\"}", null));
        // Before auth is on, anyone may write: the data the reader will find.
        assertOk(post(ep, "/v3/kv/put", "{\"key\":\"" + b64("app/x") + "\",\"value\":\"" + b64("1") + "\"}", null));
        assertOk(post(ep, "/v3/kv/put", "{\"key\":\"" + b64("other/y") + "\",\"value\":\"" + b64("2") + "\"}", null));
        assertOk(post(ep, "/v3/auth/enable", "{}", null));
    }

    @org.junit.jupiter.api.BeforeEach
    void freshRootToken() throws Exception {
        rootToken = token(endpoint(2), "root", ROOT_PASSWORD);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            assertNoSecretInLogs();
        } finally {
            cluster.close();
        }
    }

    // ------------------------------------------------------------------------------------------------- HTTP/JSON

    @Test
    void aReaderOfAppReadsAppAndNothingElseOverHttp() throws Exception {
        // Authenticated on one member, used on the others: the token stands everywhere.
        String alice = token(endpoint(1), "alice", READER_PASSWORD);
        for (int id = 1; id <= 3; id++) {
            Answer read = post(endpoint(id), "/v3/kv/range", "{\"key\":\"" + b64("app/x") + "\"}", alice);
            assertEquals(200, read.status(), read.toString());
            assertEquals("1", text(read.body().path("kvs").get(0).path("value")));
        }
        Answer write = post(endpoint(2), "/v3/kv/put", "{\"key\":\"" + b64("app/x") + "\",\"value\":\""
                + b64("no") + "\"}", alice);
        assertRefused(write, 403, "etcdserver: permission denied");
        assertRefused(post(endpoint(3), "/v3/kv/range", "{\"key\":\"" + b64("other/y") + "\"}", alice), 403,
                "etcdserver: permission denied");
        // A range that reaches past app/ is refused whole.
        assertRefused(post(endpoint(3), "/v3/kv/range", "{\"key\":\"" + b64("app/") + "\",\"range_end\":\""
                + b64("b") + "\"}", alice), 403, "etcdserver: permission denied");
        // A txn is checked operation by operation: its read of app/ is fine, its write is not.
        assertRefused(post(endpoint(1), "/v3/kv/txn", "{\"success\":[{\"request_range\":{\"key\":\"" + b64("app/x")
                + "\"}},{\"request_put\":{\"key\":\"" + b64("app/x") + "\",\"value\":\"" + b64("t")
                + "\"}}]}", alice), 403, "etcdserver: permission denied");
        // A watch of other/ is created and cancelled at once, with etcd's reason.
        // The stream stays open after it (a stream may hold other watches): read its first message only.
        HttpResponse<java.util.stream.Stream<String>> watch = http.send(HttpRequest.newBuilder(
                URI.create(endpoint(1) + "/v3/watch")).timeout(Duration.ofSeconds(10)).header("Authorization", alice)
                .POST(HttpRequest.BodyPublishers.ofString("{\"create_request\":{\"key\":\"" + b64("other/")
                        + "\",\"range_end\":\"" + b64("other0") + "\"}}")).build(),
                HttpResponse.BodyHandlers.ofLines());
        String line;
        try (java.util.stream.Stream<String> lines = watch.body()) {
            line = lines.findFirst().orElseThrow();
        }
        JsonNode first = JSON.readTree(line).path("result");
        assertTrue(first.path("canceled").asBoolean(), line);
        assertEquals("etcdserver: permission denied", first.path("cancel_reason").asText(), line);
        assertEquals("1", value(endpoint(1), "app/x", rootToken), "the refused writes changed nothing");
    }

    @Test
    void credentialsAreCheckedBeforeTheBodyIsRead() throws Exception {
        assertRefused(post(endpoint(1), "/v3/kv/range", "{\"key\":\"" + b64("app/x") + "\"}", null), 400,
                "etcdserver: user name is empty");
        String forged = rootToken.substring(0, rootToken.lastIndexOf('.') + 1) + "AAAA";
        assertRefused(post(endpoint(1), "/v3/kv/range", "{\"key\":\"" + b64("app/x") + "\"}", forged), 401,
                "etcdserver: invalid auth token");
        // Not JSON at all, yet the answer is about the token: the body was never decoded.
        assertRefused(post(endpoint(2), "/v3/kv/put", "{{{{ not json", forged), 401,
                "etcdserver: invalid auth token");
        assertRefused(post(endpoint(2), "/v3/kv/put", "{{{{ not json", null), 400, "etcdserver: user name is empty");
        assertRefused(post(endpoint(1), "/v3/auth/authenticate", "{\"name\":\"alice\",\"password\":\"wrong\"}",
                null), 400, "etcdserver: authentication failed, invalid user ID or password");
        assertRefused(post(endpoint(1), "/v3/auth/authenticate", "{\"name\":\"nobody\",\"password\":\"x\"}", null),
                400, "etcdserver: authentication failed, invalid user ID or password");
        // What health checks and endpoint discovery read stays open, as in etcd.
        assertEquals(200, post(endpoint(1), "/v3/maintenance/status", "{}", null).status());
        assertEquals(200, post(endpoint(1), "/v3/cluster/member/list", "{}", null).status());
        assertTrue(post(endpoint(1), "/v3/auth/status", "{}", null).body().path("enabled").asBoolean());
    }

    @Test
    void rootMayDoEverything() throws Exception {
        assertOk(post(endpoint(3), "/v3/kv/put", "{\"key\":\"" + b64("other/root") + "\",\"value\":\"" + b64("r")
                + "\"}", rootToken));
        assertEquals("r", value(endpoint(1), "other/root", rootToken));
        assertOk(post(endpoint(1), "/v3/maintenance/hash", "{}", rootToken));
        assertOk(post(endpoint(2), "/v3/maintenance/defragment", "{}", rootToken));
        Answer users = post(endpoint(1), "/v3/auth/user/list", "{}", rootToken);
        assertOk(users);
        assertTrue(users.body().path("users").toString().contains("alice"), users.toString());
        String alice = token(endpoint(1), "alice", READER_PASSWORD);
        for (String path : List.of("/v3/maintenance/hash", "/v3/maintenance/defragment", "/v3/auth/user/list",
                "/v3/auth/disable")) {
            assertRefused(post(endpoint(1), path, "{}", alice), 403, "etcdserver: permission denied");
        }
        assertRefused(post(endpoint(1), "/v3/kv/compaction", "{\"revision\":\"1\"}", alice), 403,
                "etcdserver: permission denied");
        // Membership changes need root too; the check comes before the request is looked at (no such member).
        for (String[] change : List.of(
                new String[] {"/v3/cluster/member/add", "{\"peerURLs\":[\"http://127.0.0.1:1\"]}"},
                new String[] {"/v3/cluster/member/remove", "{\"ID\":\"999\"}"},
                new String[] {"/v3/cluster/member/promote", "{\"ID\":\"999\"}"},
                new String[] {"/v3/cluster/member/update", "{\"ID\":\"999\",\"peerURLs\":[\"http://127.0.0.1:1\"]}"})) {
            assertRefused(post(endpoint(2), change[0], change[1], alice), 403, "etcdserver: permission denied");
            assertRefused(post(endpoint(2), change[0], change[1], null), 400, "etcdserver: user name is empty");
        }
        Answer asRoot = post(endpoint(2), "/v3/cluster/member/remove", "{\"ID\":\"999\"}", rootToken);
        assertEquals("etcdserver: member not found", asRoot.error(), "root gets past the check: " + asRoot);
        // Root may not be deleted, nor lose its role, while auth is on.
        assertRefused(post(endpoint(1), "/v3/auth/user/delete", "{\"name\":\"root\"}", rootToken), 400,
                "etcdserver: invalid auth management");
    }

    @Test
    void fuzzedRequestsNeverGetPastTheCheck() throws Exception {
        long seed = Long.getLong("raftkv.fuzz.seed", System.currentTimeMillis());
        int cases = Math.max(300, MalformedInputIT.CASES / 5);
        RequestFuzzer fuzzer = new RequestFuzzer(new java.util.Random(seed));
        String alice = token(endpoint(1), "alice", READER_PASSWORD);
        String forged = alice.substring(0, alice.lastIndexOf('.') + 1) + "AAAA";
        long before = revision(endpoint(1));
        Set<String> open = Set.of("/v3/maintenance/status", "/v3/cluster/member/list");
        for (int i = 0; i < cases; i++) {
            RequestFuzzer.Case c = fuzzer.next();
            String where = "seed " + seed + ", case " + i + " (" + c + ")";
            String ep = endpoint(1 + i % 3);
            if (!open.contains(c.path())) {
                // Whatever the body, without credentials or with a forged token the answer is about them alone
                // (or, for a path that names no API, that it does not: routing comes first and reads no body).
                Answer none = post(ep, c.path(), c.body(), null);
                Answer bad = post(ep, c.path(), c.body(), forged);
                if (none.status() != 404 && none.status() != 405) {
                    assertEquals("etcdserver: user name is empty", none.error(), where + " -> " + none);
                    assertEquals(401, bad.status(), where + " -> " + bad);
                    assertEquals("etcdserver: invalid auth token", bad.error(), where + " -> " + bad);
                }
            }
            Answer asReader = post(ep, c.path(), c.body(), alice);
            assertTrue(asReader.status() < 500, where + " -> " + asReader);
        }
        FaultChecks.report(String.format("auth fuzz seed=%d: %d cases, each without a token, with a forged one and as"
                + " a reader: none got past the check", seed, cases));
        assertEquals(before, revision(endpoint(1)), "a reader's fuzzed requests wrote nothing (seed " + seed + ")");
    }

    /**
     * The gRPC side of the same: calls to every service whose messages are random bytes (or claim more bytes than
     * they carry), without a token or with a forged one, are answered about the credentials alone. The check runs
     * before grpc-java parses a message, so no such message is ever decoded.
     */
    @Test
    void fuzzedGrpcCallsNeverGetPastTheCheck() throws Exception {
        long seed = Long.getLong("raftkv.fuzz.seed", System.currentTimeMillis());
        java.util.Random r = new java.util.Random(seed);
        String alice = token(endpoint(1), "alice", READER_PASSWORD);
        String forged = alice.substring(0, alice.lastIndexOf('.') + 1) + "AAAA";
        Set<String> open = Set.of("/etcdserverpb.Auth/Authenticate", "/etcdserverpb.Maintenance/Status",
                "/etcdserverpb.Cluster/MemberList", "/etcdserverpb.KV/NoSuchMethod", "/no.such.Service/Call");
        long before = revision(endpoint(1));
        int checked = 0;
        for (int i = 0; i < 150; i++) {
            String method = RawGrpc.METHODS[r.nextInt(RawGrpc.METHODS.length)];
            if (open.contains(method)) {
                continue;
            }
            boolean withForged = r.nextBoolean();
            byte[] body = RawGrpc.random(r, 300);
            int claimed = r.nextBoolean() ? body.length : body.length + 1 + r.nextInt(1_000);
            byte[] bytes = RawGrpc.concat(RawGrpc.PREFACE, RawGrpc.frame(RawGrpc.SETTINGS, 0, 0, new byte[0]),
                    RawGrpc.callHeaders(1, method, withForged ? forged : null),
                    RawGrpc.frame(RawGrpc.DATA, RawGrpc.END_STREAM, 1, RawGrpc.message(claimed, body)));
            String where = "seed " + seed + ", case " + i + " (" + method + (withForged ? ", forged token" : "")
                    + ")";
            RawGrpc.Outcome o;
            try (java.net.Socket s = RawHttp.connect(endpoint(1 + i % 3))) {
                s.getOutputStream().write(bytes);
                o = RawGrpc.read(s, 10_000);
            }
            assertEquals(withForged ? "etcdserver: invalid auth token" : "etcdserver: user name is empty",
                    o.grpcMessage(), where + " -> " + o);
            checked++;
        }
        assertTrue(checked > 50, "too few cases reached a guarded method: " + checked);
        FaultChecks.report(String.format("auth gRPC fuzz seed=%d: %d calls of random bytes without or with a forged"
                + " token: each answered about its credentials", seed, checked));
        assertEquals(before, revision(endpoint(1)), "nothing was written (seed " + seed + ")");
    }

    // ------------------------------------------------------------------------------------------- gRPC: etcdctl

    @Test
    void etcdctlWithUser() {
        Etcdctl ctl = Etcdctl.on(String.join(",", endpoints()));
        Etcdctl.Result read = ctl.run("--user", "alice:" + READER_PASSWORD, "get", "app/x", "--print-value-only");
        assertEquals(new Etcdctl.Result(0, "1\n", ""), read);
        Etcdctl.Result write = ctl.run("--user", "alice:" + READER_PASSWORD, "put", "app/x", "no");
        assertNotEquals(0, write.exit(), write.toString());
        assertTrue(write.err().contains("etcdserver: permission denied"), write.toString());
        Etcdctl.Result other = ctl.run("--user", "alice:" + READER_PASSWORD, "get", "other/y");
        assertTrue(other.err().contains("etcdserver: permission denied"), other.toString());
        Etcdctl.Result anonymous = ctl.run("get", "app/x");
        assertTrue(anonymous.err().contains("etcdserver: user name is empty"), anonymous.toString());
        Etcdctl.Result wrong = ctl.run("--user", "alice:wrong", "get", "app/x");
        assertTrue(wrong.err().contains("etcdserver: authentication failed, invalid user ID or password"),
                wrong.toString());
        assertEquals(0, ctl.run("--user", "root:" + ROOT_PASSWORD, "put", "other/ctl", "v").exit());
        Etcdctl.Result users = ctl.run("--user", "root:" + ROOT_PASSWORD, "user", "list");
        assertEquals(0, users.exit(), users.toString());
        assertTrue(users.out().contains("alice") && users.out().contains("root"), users.toString());
        Etcdctl.Result role = ctl.run("--user", "root:" + ROOT_PASSWORD, "role", "get", "app-reader");
        assertEquals(0, role.exit(), role.toString());
        assertTrue(role.out().contains("[app/, app0)"), role.toString());
    }

    @Test
    void leasesLocksAndMaintenanceWithEtcdctl(@TempDir Path tmp) {
        Etcdctl ctl = Etcdctl.on(String.join(",", endpoints()));
        String root = "root:" + ROOT_PASSWORD;
        String alice = "alice:" + READER_PASSWORD;
        Etcdctl.Result grant = ctl.run("--user", root, "lease", "grant", "600");
        assertEquals(0, grant.exit(), grant.toString());
        String lease = grant.out().split("\\s+")[1];
        assertEquals(0, ctl.run("--user", root, "put", "other/leased", "v", "--lease=" + lease).exit());
        // The names of the lease's keys are data: a user who may not read them may not see them, nor end them.
        for (String[] args : List.of(new String[] {"lease", "timetolive", lease, "--keys"},
                new String[] {"lease", "timetolive", lease}, new String[] {"lease", "revoke", lease},
                new String[] {"lock", "otherlock", "echo", "held"}, new String[] {"alarm", "list"},
                new String[] {"compaction", "1"})) {
            List<String> all = new ArrayList<>(List.of("--user", alice));
            all.addAll(List.of(args));
            Etcdctl.Result r = ctl.run(all.toArray(new String[0]));
            assertNotEquals(0, r.exit(), String.join(" ", args) + ": " + r);
            assertTrue(r.err().contains("etcdserver: permission denied"), String.join(" ", args) + ": " + r);
        }
        Etcdctl.Result snapshot = ctl.against(endpoint(1)).run("--user", alice, "snapshot", "save",
                tmp.resolve("s.db").toString());
        assertTrue(snapshot.err().contains("etcdserver: permission denied"), snapshot.toString());
        Etcdctl.Result keys = ctl.run("--user", root, "lease", "timetolive", lease, "--keys");
        assertEquals(0, keys.exit(), keys.toString());
        assertTrue(keys.out().contains("other/leased"), keys.toString());
        Etcdctl.Result disarm = ctl.run("--user", root, "alarm", "disarm");
        assertEquals(0, disarm.exit(), disarm.toString());
        Etcdctl.Result lock = ctl.run("--user", root, "lock", "otherlock", "echo", "held");
        assertEquals(0, lock.exit(), lock.toString());
        assertTrue(lock.out().contains("held"), lock.toString());
        assertEquals(0, ctl.run("--user", root, "lease", "revoke", lease).exit());
    }

    // --------------------------------------------------------------------------------------------- gRPC: jetcd

    @Test
    void jetcdWithUserIncludingAWatchItMayNotMake() throws Exception {
        try (Client client = Client.builder().endpoints(endpoints().toArray(new String[0]))
                .user(bytes("alice")).password(bytes(READER_PASSWORD)).build()) {
            var got = client.getKVClient().get(bytes("app/x")).get(10, TimeUnit.SECONDS);
            assertEquals("1", got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
            ExecutionException put = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                    client.getKVClient().put(bytes("app/x"), bytes("no")).get(10, TimeUnit.SECONDS));
            assertTrue(put.getCause().getMessage().contains("etcdserver: permission denied"), put.toString());
            CompletableFuture<Throwable> watchError = new CompletableFuture<>();
            Watch.Watcher w = client.getWatchClient().watch(bytes("other/"),
                    WatchOption.builder().isPrefix(true).build(), Watch.listener(r -> { }, watchError::complete));
            try {
                Throwable e = watchError.get(15, TimeUnit.SECONDS);
                assertTrue(String.valueOf(e.getMessage()).contains("permission denied"), e.toString());
            } finally {
                w.close();
            }
        }
    }

    // ------------------------------------------------------------------------------ raftkv's client and kvctl

    @Test
    void theJavaClientAndKvctlWithUser() throws Exception {
        try (RaftKv client = RaftKv.builder().endpoints(endpoints()).user("alice", READER_PASSWORD).build()) {
            assertEquals("1", client.kv().get("app/x").get(10, TimeUnit.SECONDS).kvs().get(0).valueString());
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                    client.kv().put("app/x", "no").get(10, TimeUnit.SECONDS));
            assertInstanceOf(RaftKvException.PermissionDenied.class, e.getCause(), e.toString());
        }
        try (RaftKv wrong = RaftKv.builder().endpoints(endpoints()).user("alice", "wrong").build()) {
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () ->
                    wrong.kv().get("app/x").get(10, TimeUnit.SECONDS));
            assertInstanceOf(RaftKvException.AuthFailed.class, e.getCause(), e.toString());
        }
        assertEquals(List.of(0, "1\n", ""), kvctl("--user", "alice:" + READER_PASSWORD, "get", "app/x",
                "--print-value-only"));
        List<Object> refused = kvctl("--user", "alice:" + READER_PASSWORD, "put", "app/x", "no");
        assertNotEquals(0, refused.get(0));
        assertTrue(refused.get(2).toString().contains("permission denied"), refused.toString());
        assertEquals(0, kvctl("--user", "root:" + ROOT_PASSWORD, "role", "add", "kvctl-role").get(0));
        assertEquals(0, kvctl("--user", "root:" + ROOT_PASSWORD, "role", "delete", "kvctl-role").get(0));
    }

    // -------------------------------------------------------------------------------------------- revocation

    @Test
    void aRevokedPermissionEndsAtOnceEvenForWritesAlreadyProposed() throws Exception {
        String ep = endpoint(1);
        assertOk(post(ep, "/v3/auth/user/add", "{\"name\":\"writer\",\"password\":\"w-pw\"}", rootToken));
        assertOk(post(ep, "/v3/auth/role/add", "{\"name\":\"job-writer\"}", rootToken));
        assertOk(post(ep, "/v3/auth/role/grant", "{\"name\":\"job-writer\",\"perm\":{\"permType\":\"READWRITE\","
                + "\"key\":\"" + b64("job/") + "\",\"range_end\":\"" + b64("job0") + "\"}}", rootToken));
        assertOk(post(ep, "/v3/auth/user/grant", "{\"user\":\"writer\",\"role\":\"job-writer\"}", rootToken));
        String writer = token(endpoint(2), "writer", "w-pw");
        // Many writes in flight on every member while the permission is revoked.
        List<Thread> threads = new ArrayList<>();
        List<Long> acked = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Boolean> stop = new AtomicReference<>(false);
        for (int t = 0; t < 12; t++) {
            String via = endpoint(1 + t % 3);
            int me = t;
            Thread th = new Thread(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        Answer a = post(via, "/v3/kv/put", "{\"key\":\"" + b64("job/" + me + "/" + i)
                                + "\",\"value\":\"" + b64("v") + "\"}", writer);
                        if (a.status() == 200) {
                            acked.add(a.body().path("header").path("revision").asLong());
                        } else {
                            refusals.add(a.error());
                        }
                    } catch (Exception e) {
                        refusals.add(e.toString());
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> acked.size() >= 100);
        Answer revoke = post(ep, "/v3/auth/role/revoke", "{\"role\":\"job-writer\",\"key\":\"" + b64("job/")
                + "\",\"range_end\":\"" + b64("job0") + "\"}", rootToken);
        assertOk(revoke);
        long revokedAt = revoke.body().path("header").path("revision").asLong();
        int ackedBefore = acked.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> refusals.size() >= 50);
        stop.set(true);
        for (Thread th : threads) {
            th.join();
        }
        // Every acknowledged write was applied before the revoke, in the log's order: none after it.
        for (long rev : acked) {
            assertTrue(rev <= revokedAt, "a write was applied at revision " + rev + ", after the revoke at "
                    + revokedAt);
        }
        assertTrue(acked.size() - ackedBefore <= 12, "at most the writes already answered before the revoke's"
                + " answer can be counted after it");
        for (String r : refusals) {
            // Writes checked before the revoke but applied after it are checked again there: denied too.
            assertEquals("etcdserver: permission denied", r);
        }
        // The store holds exactly the acknowledged writes under job/.
        Answer all = post(endpoint(3), "/v3/kv/range", "{\"key\":\"" + b64("job/") + "\",\"range_end\":\""
                + b64("job0") + "\",\"count_only\":true}", rootToken);
        assertEquals(acked.size(), all.body().path("count").asInt(), all.toString());
    }

    // ---------------------------------------------------------------------------- restarts and snapshot install

    @Test
    void theAuthStateSurvivesRestartsAndASnapshotInstallWithEqualHashes() throws Exception {
        assertOk(post(endpoint(1), "/v3/auth/user/add", "{\"name\":\"durable\",\"password\":\"d-pw\"}", rootToken));
        String durableToken = token(endpoint(1), "durable", "d-pw");
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            n.kill();
        }
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            n.start();
        }
        cluster.awaitHealthy();
        // The same key signs tokens after the restart: an old token still stands, on every member.
        for (int id = 1; id <= 3; id++) {
            int member = id;
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertRefused(post(endpoint(member), "/v3/kv/range", "{\"key\":\"" + b64("app/x") + "\"}",
                            durableToken), 403, "etcdserver: permission denied"));
            assertEquals("1", value(endpoint(id), "app/x", token(endpoint(id), "alice", READER_PASSWORD)));
        }
        // A wiped follower comes back by snapshot install, auth state included.
        int leader = cluster.leader();
        TestCluster.NodeProcess victim = cluster.nodes().stream().filter(n -> n.id() != leader).findFirst()
                .orElseThrow();
        victim.kill();
        for (int i = 0; i < 1_500; i++) {
            assertOk(post(endpoint(leader), "/v3/kv/put", "{\"key\":\"" + b64("bulk/" + i) + "\",\"value\":\""
                    + b64("v") + "\"}", rootToken));
        }
        victim.wipe();
        victim.start();
        long target = revision(endpoint(leader));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                revision(victim.endpoint()) >= target);
        assertTrue(victim.logText().contains("installing snapshot"), "the wiped member caught up by snapshot install");
        Answer onVictim = post(victim.endpoint(), "/v3/auth/status", "{}", null);
        assertTrue(onVictim.body().path("enabled").asBoolean(), onVictim.toString());
        assertRefused(post(victim.endpoint(), "/v3/kv/put", "{\"key\":\"" + b64("app/x") + "\",\"value\":\""
                + b64("no") + "\"}", token(victim.endpoint(), "alice", READER_PASSWORD)), 403,
                "etcdserver: permission denied");
        assertEquals("1", value(victim.endpoint(), "app/x", rootToken));
        // Equal replicated state: the auth revision, and the whole-store hash (KV and auth) over gRPC.
        long authRevision = post(endpoint(leader), "/v3/auth/status", "{}", null).body().path("authRevision")
                .asLong();
        List<Integer> hashes = new ArrayList<>();
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            assertEquals(authRevision, post(n.endpoint(), "/v3/auth/status", "{}", null).body()
                    .path("authRevision").asLong());
            hashes.add(wholeStoreHash(n.endpoint()));
        }
        assertEquals(1, hashes.stream().distinct().count(), "hashes " + hashes);
    }

    // ------------------------------------------------------------------------------------------------- helpers

    /** etcd's Maintenance/Hash of one member, as root over gRPC: the KV state and the auth state together. */
    private int wholeStoreHash(String endpoint) {
        URI u = URI.create(endpoint);
        io.grpc.ManagedChannel channel = io.grpc.netty.NettyChannelBuilder.forAddress(u.getHost(), u.getPort())
                .usePlaintext().build();
        try {
            io.grpc.Metadata token = new io.grpc.Metadata();
            token.put(io.grpc.Metadata.Key.of("token", io.grpc.Metadata.ASCII_STRING_MARSHALLER), rootToken);
            return io.etcd.jetcd.api.MaintenanceGrpc.newBlockingStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(token))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .hash(io.etcd.jetcd.api.HashRequest.getDefaultInstance()).getHash();
        } finally {
            channel.shutdownNow();
        }
    }

    private void assertNoSecretInLogs() throws Exception {
        for (TestCluster.NodeProcess n : cluster.nodes()) {
            String log = n.logText();
            for (String secret : List.of(ROOT_PASSWORD, READER_PASSWORD, "w-pw", "d-pw")) {
                assertFalse(log.contains(secret), "a password is in the log of member " + n.id());
            }
            for (String t : tokens) {
                assertFalse(log.contains(t), "a token is in the log of member " + n.id());
            }
        }
    }

    private List<String> endpoints() {
        return cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint).toList();
    }

    private String endpoint(int id) {
        return cluster.node(id).endpoint();
    }

    private List<Object> kvctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--endpoints", String.join(",", endpoints())));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Kvctl.run(all.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        return List.of(exit, out.toString(), err.toString());
    }

    private String token(String endpoint, String user, String password) throws Exception {
        Answer a = post(endpoint, "/v3/auth/authenticate", "{\"name\":\"" + user + "\",\"password\":\"" + password
                + "\"}", null);
        assertOk(a);
        String token = a.body().path("token").asText();
        assertFalse(token.isEmpty(), a.toString());
        tokens.add(token);
        return token;
    }

    private String value(String endpoint, String key, String token) throws Exception {
        Answer a = post(endpoint, "/v3/kv/range", "{\"key\":\"" + b64(key) + "\"}", token);
        assertOk(a);
        return text(a.body().path("kvs").get(0).path("value"));
    }

    private long revision(String endpoint) {
        try {
            return post(endpoint, "/v3/maintenance/status", "{}", null).body().path("header").path("revision")
                    .asLong();
        } catch (Exception e) {
            return -1;
        }
    }

    private Answer post(String endpoint, String path, String body, String token) throws Exception {
        return post(endpoint, path, body.getBytes(StandardCharsets.UTF_8), token);
    }

    private Answer post(String endpoint, String path, byte[] body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode parsed;
        try {
            parsed = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (java.io.IOException e) {
            parsed = JSON.createObjectNode().put("unparsed", r.body());
        }
        return new Answer(r.statusCode(), parsed);
    }

    private static void assertOk(Answer a) {
        assertEquals(200, a.status(), a.toString());
    }

    private static void assertRefused(Answer a, int status, String error) {
        assertEquals(status, a.status(), a.toString());
        assertEquals(error, a.error(), a.toString());
    }

    private static String b64(String s) {
        return java.util.Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(JsonNode b64) {
        return new String(java.util.Base64.getDecoder().decode(b64.asText()), StandardCharsets.UTF_8);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
