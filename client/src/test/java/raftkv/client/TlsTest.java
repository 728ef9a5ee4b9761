package raftkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client over TLS against {@link FakeNode}s serving https with certificates of a throwaway {@link TestPki}: which
 * servers it trusts, that it checks their names, that it shows its own certificate when given one, and that a
 * refusal says why at once instead of retrying until the deadline.
 */
class TlsTest {

    private static final String GET_ANSWER = "{\"header\":{\"revision\":\"3\"},\"kvs\":[],\"count\":\"0\"}";

    @TempDir
    static Path dir;
    private static TestPki pki;
    private static TestPki stranger;
    private static Path caPem;

    private final List<FakeNode> nodes = new ArrayList<>();
    private final List<RaftKv> clients = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        pki = new TestPki("raftkv-test-ca");
        stranger = new TestPki("some-other-ca");
        caPem = pki.writeCaPem(dir, "ca.pem");
    }

    @AfterEach
    void stop() {
        clients.forEach(RaftKv::close);
        nodes.forEach(FakeNode::close);
    }

    private FakeNode httpsNode(SSLContext tls, boolean needClientAuth) throws Exception {
        FakeNode n = new FakeNode(r -> new FakeNode.Reply(200, r.path().equals("/v3/kv/range") ? GET_ANSWER
                : "{\"header\":{\"revision\":\"4\"}}"), tls, needClientAuth);
        nodes.add(n);
        return n;
    }

    private FakeNode loopbackNode() throws Exception {
        return httpsNode(pki.serverContext(pki.loopbackServer()), false);
    }

    private RaftKv client(RaftKv.Builder b) {
        RaftKv kv = b.timeout(Duration.ofSeconds(5)).build();
        clients.add(kv);
        return kv;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void aServerCertifiedByTheGivenCaIsTrustedForRequestsAndStreams() throws Exception {
        FakeNode node = loopbackNode();
        RaftKv kv = client(RaftKv.builder().endpoints(node.uri().toString()).caCert(caPem));

        assertEquals(0, kv.kv().get("k").get(10, TimeUnit.SECONDS).count());
        kv.kv().put("k", "v").get(10, TimeUnit.SECONDS);

        node.script(r -> new FakeNode.Reply(200, "{\"result\":{\"header\":{\"revision\":\"4\"},\"created\":true}}\n"));
        Watcher w = kv.watch().watch("k", WatchOptions.DEFAULT, (events, revision) -> { });
        w.created().get(10, TimeUnit.SECONDS);
        assertTrue(node.requests().stream().anyMatch(r -> r.path().equals("/v3/watch")), "the watch came over TLS");
        w.close();
    }

    @Test
    void aServerCertificateFromAnUnknownCaIsRefusedAtOnceNamingTheReason() throws Exception {
        FakeNode impostor = httpsNode(stranger.serverContext(stranger.loopbackServer()), false);
        RaftKv kv = client(RaftKv.builder().endpoints(impostor.uri().toString()).caCert(caPem));
        long start = System.nanoTime();

        Throwable read = failure(kv.kv().get("k"));
        Throwable write = failure(kv.kv().put("k", "v"));

        assertEquals(RaftKvException.TlsHandshakeFailed.class, read.getClass(), "reported as " + read);
        assertTrue(read.getMessage().startsWith("TLS handshake with " + impostor.uri() + " failed: "), read.getMessage());
        assertTrue(read.getMessage().contains("certification path"), read.getMessage());
        assertEquals(RaftKvException.TlsHandshakeFailed.class, write.getClass(),
                "never sent, so not of unknown outcome: " + write);
        assertTrue((System.nanoTime() - start) / 1_000_000 < 4_000, "refused at once, not at the 5 s deadline");
        assertEquals(0, impostor.requests().size(), "no request was sent to it");
    }

    @Test
    void aCertificateForAnotherHostIsRefusedUnlessHostnameVerificationIsOff() throws Exception {
        FakeNode elsewhere = httpsNode(pki.serverContext(pki.server(List.of("db.example.com"), List.of())), false);

        Throwable t = failure(client(RaftKv.builder().endpoints(elsewhere.uri().toString()).caCert(caPem))
                .kv().get("k"));
        assertEquals(RaftKvException.TlsHandshakeFailed.class, t.getClass(), "reported as " + t);
        assertTrue(t.getMessage().contains("127.0.0.1"), t.getMessage());

        RaftKv lenient = client(RaftKv.builder().endpoints(elsewhere.uri().toString()).caCert(caPem)
                .hostnameVerification(false));
        assertEquals(0, lenient.kv().get("k").get(10, TimeUnit.SECONDS).count());
    }

    @Test
    void mutualTlsWithAPemCertificateAndPkcs8Key() throws Exception {
        FakeNode strict = httpsNode(pki.serverContext(pki.loopbackServer()), true);
        Path[] pem = TestPki.writePem(pki.client("app"), dir, "app");
        assertTrue(java.nio.file.Files.readString(pem[1]).startsWith("-----BEGIN PRIVATE KEY-----"));

        RaftKv withCert = client(RaftKv.builder().endpoints(strict.uri().toString()).caCert(caPem)
                .clientCert(pem[0], pem[1]));
        assertEquals(0, withCert.kv().get("k").get(10, TimeUnit.SECONDS).count());

        Throwable t = failure(client(RaftKv.builder().endpoints(strict.uri().toString()).caCert(caPem))
                .kv().get("k"));
        assertEquals(RaftKvException.TlsHandshakeFailed.class, t.getClass(), "reported as " + t);
    }

    @Test
    void trustAndKeyStoresInJksAndPkcs12() throws Exception {
        FakeNode strict = httpsNode(pki.serverContext(pki.loopbackServer()), true);
        Path trust = pki.writeTrustStore(dir.resolve("trust.jks"), "JKS");
        Path keys = TestPki.writeKeyStore(pki.client("app"), dir.resolve("app.p12"), "PKCS12");

        RaftKv kv = client(RaftKv.builder().endpoints(strict.uri().toString())
                .trustStore(trust, TestPki.STORE_PASSWORD).keyStore(keys, TestPki.STORE_PASSWORD));
        assertEquals(0, kv.kv().get("k").get(10, TimeUnit.SECONDS).count());

        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> RaftKv.builder()
                .endpoints(strict.uri().toString()).trustStore(trust, "nope".toCharArray()).build());
        assertTrue(wrong.getMessage().contains("trust.jks"), wrong.getMessage());
    }

    @Test
    void insecureSkipTlsVerifyTrustsAnyServer() throws Exception {
        FakeNode impostor = httpsNode(stranger.serverContext(stranger.server(List.of("x.example"), List.of())), false);
        RaftKv kv = client(RaftKv.builder().endpoints(impostor.uri().toString()).insecureSkipTlsVerify());
        assertEquals(0, kv.kv().get("k").get(10, TimeUnit.SECONDS).count());
    }

    @Test
    void settingsThatCannotWorkAreRefusedWhenBuilding() {
        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class,
                () -> RaftKv.builder().endpoints("http://127.0.0.1:2379").caCert(caPem).build());
        assertTrue(plain.getMessage().contains("is not https://"), plain.getMessage());

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> RaftKv.builder().endpoints("https://127.0.0.1:2379").caCert(dir.resolve("nope.pem")).build());
        assertTrue(missing.getMessage().contains("nope.pem"), missing.getMessage());

        IllegalArgumentException notAKey = assertThrows(IllegalArgumentException.class,
                () -> RaftKv.builder().endpoints("https://127.0.0.1:2379").clientCert(caPem, caPem).build());
        assertTrue(notAKey.getMessage().contains("PKCS#8"), notAKey.getMessage());
    }

    @Test
    void anHttpsEndpointWithoutSettingsTrustsTheJdksCas() throws Exception {
        FakeNode node = loopbackNode();
        RaftKv kv = client(RaftKv.builder().endpoints(node.uri().toString()));
        Throwable t = failure(kv.kv().get("k"));
        assertEquals(RaftKvException.TlsHandshakeFailed.class, t.getClass(), "our test CA is not the JDK's: " + t);
        assertNotNull(t.getCause());
    }
}
