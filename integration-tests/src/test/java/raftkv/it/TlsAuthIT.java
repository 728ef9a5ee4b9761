package raftkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import raftkv.client.RaftKv;
import raftkv.client.RaftKvException;
import raftkv.client.cli.Kvctl;
import raftkv.config.TlsSettings;
import raftkv.server.tls.ClientSsl;
import raftkv.server.tools.CertTool;

/**
 * TLS and authentication on together, on a real 3-member cluster with mutual TLS and {@code clientCertAuth}, through
 * every client: etcdctl and kvctl with {@code --cacert/--cert/--key} and {@code --user}, the Java client with PEM
 * files and a user, and plain HTTPS with a token. A client certificate's CN stands for the user when there is no
 * token; a token, when there is one, wins; a certificate naming no user gets nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsAuthIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT_PASSWORD = "tls-root-pw";
    private static final String ALICE_PASSWORD = "tls-alice-pw";

    private Path certs;
    private TestCluster cluster;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path root = dir.resolve(getClass().getSimpleName());
        certs = root.resolve("certs");
        CertTool.Issued ca = CertTool.newCa("TlsAuthIT CA");
        ca.write(certs, "ca");
        for (int i = 1; i <= 3; i++) {
            CertTool.member(ca, "node-" + i, List.of()).write(certs, "node-" + i);
        }
        for (String cn : List.of("root", "alice", "nobody")) {
            CertTool.client(ca, cn).write(certs, cn);
        }
        TestCluster.Tls tls = new TestCluster.Tls(id -> new TlsSettings(file("node-" + id + ".pem"),
                file("node-" + id + "-key.pem"), file("ca.pem"), true, file("node-" + id + ".pem"),
                file("node-" + id + "-key.pem"), file("ca.pem"), 5_000L), ssl("root"));
        cluster = TestCluster.start(3, root, TestCluster.Settings.DEFAULT, tls);
        String ep = endpoint(1);
        SSLContext asRoot = ssl("root");
        for (String body : List.of("{\"name\":\"root\",\"password\":\"" + ROOT_PASSWORD + "\"}",
                "{\"name\":\"alice\",\"password\":\"" + ALICE_PASSWORD + "\"}")) {
            assertEquals(200, post(asRoot, ep, "/v3/auth/user/add", body, null).status());
        }
        assertEquals(200, post(asRoot, ep, "/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}", null)
                .status());
        assertEquals(200, post(asRoot, ep, "/v3/auth/role/add", "{\"name\":\"app-reader\"}", null).status());
        assertEquals(200, post(asRoot, ep, "/v3/auth/role/grant", "{\"name\":\"app-reader\",\"perm\":{\"permType\":"
                + "\"READ\",\"key\":\"" + b64("app/") + "\",\"range_end\":\"" + b64("app0") + "\"}}", null).status());
        assertEquals(200, post(asRoot, ep, "/v3/auth/user/grant", "{\"user\":\"alice\",\"role\":\"app-reader\"}",
                null).status());
        assertEquals(200, post(asRoot, ep, "/v3/kv/put", "{\"key\":\"" + b64("app/x") + "\",\"value\":\"" + b64("1")
                + "\"}", null).status());
        assertEquals(200, post(asRoot, ep, "/v3/auth/enable", "{}", null).status());
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void etcdctlWithCertificatesAndUsers() {
        String alice = ALICE_PASSWORD;
        // The certificate alone: its CN is the user.
        assertEquals(new Etcdctl.Result(0, "1\n", ""), etcdctl("alice", "get", "app/x", "--print-value-only"));
        assertDenied(etcdctl("alice", "put", "app/x", "no"));
        assertDenied(etcdctl("nobody", "get", "app/x"));
        assertEquals(0, etcdctl("root", "put", "other/y", "by-root-cert").exit());
        // A token wins over the certificate: root's certificate with alice's password acts as alice.
        assertDenied(etcdctl("root", "--user", "alice:" + alice, "put", "app/x", "no"));
        assertEquals(new Etcdctl.Result(0, "1\n", ""), etcdctl("nobody", "--user", "alice:" + alice, "get", "app/x",
                "--print-value-only"));
    }

    @Test
    void kvctlWithCertificatesAndAUser() {
        List<Object> read = kvctl("alice", "--user", "alice:" + ALICE_PASSWORD, "get", "app/x", "--print-value-only");
        assertEquals(List.of(0, "1\n", ""), read);
        List<Object> write = kvctl("alice", "--user", "alice:" + ALICE_PASSWORD, "put", "app/x", "no");
        assertNotEquals(0, write.get(0));
        assertTrue(write.get(2).toString().contains("permission denied"), write.toString());
        assertEquals(0, kvctl("root", "--user", "root:" + ROOT_PASSWORD, "put", "other/kvctl", "v").get(0));
    }

    @Test
    void theJavaClientWithPemFilesAndAUser() throws Exception {
        try (RaftKv client = RaftKv.builder().endpoints(endpoints()).caCert(certs.resolve("ca.pem"))
                .clientCert(certs.resolve("alice.pem"), certs.resolve("alice-key.pem"))
                .user("alice", ALICE_PASSWORD).build()) {
            assertEquals("1", client.kv().get("app/x").get(10, TimeUnit.SECONDS).kvs().get(0).valueString());
            ExecutionException e = assertThrows(ExecutionException.class, () ->
                    client.kv().put("app/x", "no").get(10, TimeUnit.SECONDS));
            assertInstanceOf(RaftKvException.PermissionDenied.class, e.getCause(), e.toString());
        }
    }

    @Test
    void httpsWithATokenOrTheCertificateAlone() throws Exception {
        SSLContext nobody = ssl("nobody");
        String range = "{\"key\":\"" + b64("app/x") + "\"}";
        Answer anonymous = post(nobody, endpoint(2), "/v3/kv/range", range, null);
        assertEquals(403, anonymous.status(), anonymous.toString());
        assertEquals("etcdserver: permission denied", anonymous.body().path("error").asText());
        Answer login = post(nobody, endpoint(2), "/v3/auth/authenticate", "{\"name\":\"alice\",\"password\":\""
                + ALICE_PASSWORD + "\"}", null);
        assertEquals(200, login.status(), login.toString());
        Answer withToken = post(nobody, endpoint(3), "/v3/kv/range", range, login.body().path("token").asText());
        assertEquals(200, withToken.status(), withToken.toString());
        assertEquals("1", new String(Base64.getDecoder().decode(withToken.body().path("kvs").get(0).path("value")
                .asText()), StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------------------------------------- helpers

    record Answer(int status, JsonNode body) {
    }

    private Etcdctl.Result etcdctl(String cert, String... args) {
        List<String> all = new ArrayList<>(List.of("--cacert", file("ca.pem"), "--cert", file(cert + ".pem"), "--key",
                file(cert + "-key.pem")));
        all.addAll(List.of(args));
        return Etcdctl.on(String.join(",", endpoints())).run(all.toArray(new String[0]));
    }

    private List<Object> kvctl(String cert, String... args) {
        List<String> all = new ArrayList<>(List.of("--endpoints", String.join(",", endpoints()), "--cacert",
                file("ca.pem"), "--cert", file(cert + ".pem"), "--key", file(cert + "-key.pem")));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Kvctl.run(all.toArray(new String[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        return List.of(exit, out.toString(), err.toString());
    }

    private static void assertDenied(Etcdctl.Result r) {
        assertNotEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("etcdserver: permission denied"), r.toString());
    }

    private Answer post(SSLContext ssl, String endpoint, String path, String body, String token) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", token);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()));
    }

    private SSLContext ssl(String cert) {
        return ClientSsl.fromPem(certs.resolve("ca.pem"), certs.resolve(cert + ".pem"),
                certs.resolve(cert + "-key.pem"));
    }

    private List<String> endpoints() {
        return cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint).toList();
    }

    private String endpoint(int id) {
        return cluster.node(id).endpoint();
    }

    private String file(String name) {
        return certs.resolve(name).toString();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
