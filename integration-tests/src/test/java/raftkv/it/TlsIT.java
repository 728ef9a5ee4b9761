package raftkv.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NegotiationType;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import raftkv.config.ConfigLoader;
import raftkv.config.HostPort;
import raftkv.config.TlsSettings;
import raftkv.server.tls.ClientSsl;
import raftkv.server.tools.CertTool;

/**
 * A 3-node cluster with TLS everywhere, as {@code raftkv-cluster start 3 --tls} runs one: the client port speaks
 * only TLS and requires a client certificate from the cluster's CA (etcd's {@code --client-cert-auth}), members
 * talk mutual TLS, and renewed certificates and CA bundles are taken without a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsIT {

    /** Short, so that the reload tests wait little; the files are polled on a thread of their own. */
    private static final long RELOAD_MS = 500;
    /** Reload interval plus room for a loaded 2-core machine. */
    private static final Duration RELOADED_WITHIN = Duration.ofMillis(RELOAD_MS).plusSeconds(10);

    private Path certs;
    private CertTool.Issued ca;
    private CertTool.Issued otherCa;
    private TestCluster cluster;
    private ApiClient api;

    @BeforeAll
    void startCluster(@TempDir Path dir) throws Exception {
        Path root = dir.resolve(getClass().getSimpleName());
        certs = root.resolve("certs");
        ca = CertTool.newCa("TlsIT CA");
        ca.write(certs, "ca");
        for (int i = 1; i <= 3; i++) {
            CertTool.member(ca, "node-" + i, List.of()).write(certs, "node-" + i);
        }
        CertTool.client(ca, "root").write(certs, "root");
        // Probes the member port with: a member's certificate (a client's is refused there).
        CertTool.member(ca, "probe", List.of()).write(certs, "probe");
        otherCa = CertTool.newCa("another CA");
        CertTool.client(otherCa, "root").write(certs, "intruder");
        CertTool.member(otherCa, "node-9", List.of()).write(certs, "impostor");

        TestCluster.Tls tls = new TestCluster.Tls(id -> new TlsSettings(file("node-" + id + ".pem"),
                file("node-" + id + "-key.pem"), file("ca.pem"), true, file("node-" + id + ".pem"),
                file("node-" + id + "-key.pem"), file("ca.pem"), RELOAD_MS), client("root"));
        cluster = TestCluster.start(3, root, TestCluster.Settings.DEFAULT, tls);
        api = cluster.api;
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String file(String name) {
        return certs.resolve(name).toString();
    }

    /** Trusts the cluster's CA (as it is in the files now) and presents {@code cert}.pem, if given. */
    private SSLContext client(String cert) {
        return ClientSsl.fromPem(certs.resolve("ca.pem"), cert == null ? null : certs.resolve(cert + ".pem"),
                cert == null ? null : certs.resolve(cert + "-key.pem"));
    }

    private String endpoint(int id) {
        return cluster.node(id).endpoint();
    }

    private HostPort clientAddress(int id) {
        return HostPort.parse(URI.create(endpoint(id)).getAuthority());
    }

    private HostPort raftAddress(int id) throws Exception {
        return ConfigLoader.load(cluster.node(id).config).self().raftAddress();
    }

    @Test
    @Order(1)
    void theApiWorksOverTlsWithTheClientCertificate() throws Exception {
        assertTrue(endpoint(1).startsWith("https://"), endpoint(1));
        ApiClient.Response put = api.put(endpoint(1), "tls/http", "over https");
        assertEquals(200, put.status(), put.toString());
        assertEquals(endpoint(cluster.leader()), put.leader(), "the leader a client is sent to is named by https");
        assertEquals("over https", api.value(endpoint(2), "tls/http"));

        ManagedChannel grpc = grpcChannel(1, "root");
        try {
            var got = KVGrpc.newBlockingStub(grpc).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .range(RangeRequest.newBuilder().setKey(com.google.protobuf.ByteString.copyFromUtf8("tls/http"))
                            .build());
            assertEquals("over https", got.getKvs(0).getValue().toStringUtf8());
        } finally {
            grpc.shutdownNow();
        }
    }

    @Test
    @Order(2)
    void etcdctlWorksWithTheCertificateFlags() {
        Etcdctl etcdctl = Etcdctl.on(cluster.nodes().stream().map(TestCluster.NodeProcess::endpoint)
                .collect(Collectors.joining(",")));
        String[] flags = {"--cacert=" + file("ca.pem"), "--cert=" + file("root.pem"), "--key=" + file("root-key.pem")};
        Etcdctl.Result put = etcdctl.run(concat(flags, "put", "tls/etcdctl", "hello"));
        assertEquals(0, put.exit(), put.toString());
        Etcdctl.Result get = etcdctl.against(endpoint(3)).run(concat(flags, "get", "tls/etcdctl", "--print-value-only"));
        assertEquals(0, get.exit(), get.toString());
        assertEquals("hello", get.out().trim());
        // Members are listed under the schemes they are reached by: etcdctl's own endpoint discovery uses these.
        Etcdctl.Result members = etcdctl.run(concat(flags, "member", "list"));
        assertEquals(0, members.exit(), members.toString());
        assertEquals(3, members.out().lines().count(), members.out());
        assertTrue(members.out().lines().allMatch(l -> l.contains(", https://127.0.0.1:")
                && !l.contains("http://")), members.out());

        // The same command without a client certificate, or with one from another CA, gets nothing.
        Etcdctl.Result noCert = etcdctl.against(endpoint(1)).run("--cacert=" + file("ca.pem"), "get", "tls/etcdctl");
        assertNotEquals(0, noCert.exit(), noCert.toString());
        Etcdctl.Result intruder = etcdctl.against(endpoint(1)).run("--cacert=" + file("ca.pem"),
                "--cert=" + file("intruder.pem"), "--key=" + file("intruder-key.pem"), "get", "tls/etcdctl");
        assertNotEquals(0, intruder.exit(), intruder.toString());
        Etcdctl.Result plaintext = etcdctl.against(endpoint(1).replace("https://", "http://"))
                .run("get", "tls/etcdctl");
        assertNotEquals(0, plaintext.exit(), plaintext.toString());
    }

    @Test
    @Order(3)
    void plaintextToTheClientPortIsRefused() throws Exception {
        ApiClient plain = new ApiClient();
        assertThrows(IOException.class, () -> plain.post(endpoint(1).replace("https://", "http://"), "/v3/kv/range",
                "{\"key\":\"YQ==\"}", Duration.ofSeconds(5)));
        HostPort at = clientAddress(1);
        ManagedChannel grpc = NettyChannelBuilder.forAddress(at.host(), at.port()).usePlaintext().build();
        try {
            assertThrows(StatusRuntimeException.class, () -> KVGrpc.newBlockingStub(grpc)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).range(RangeRequest.getDefaultInstance()));
        } finally {
            grpc.shutdownNow();
        }
        assertClosedOnPlaintext(at);
    }

    @Test
    @Order(4)
    void aClientCertificateFromAnotherCaIsRefused() throws Exception {
        ApiClient intruder = new ApiClient(client("intruder"));
        assertThrows(IOException.class, () -> intruder.post(endpoint(1), "/v3/kv/range", "{\"key\":\"YQ==\"}",
                Duration.ofSeconds(5)));
        ApiClient anonymous = new ApiClient(client(null));
        assertThrows(IOException.class, () -> anonymous.post(endpoint(1), "/v3/kv/range", "{\"key\":\"YQ==\"}",
                Duration.ofSeconds(5)));
        ManagedChannel grpc = grpcChannel(1, "intruder");
        try {
            assertThrows(StatusRuntimeException.class, () -> KVGrpc.newBlockingStub(grpc)
                    .withDeadlineAfter(5, TimeUnit.SECONDS).range(RangeRequest.getDefaultInstance()));
        } finally {
            grpc.shutdownNow();
        }
    }

    @Test
    @Order(5)
    void membersTalkMutualTlsOnly() throws Exception {
        // Replication works: the members reach each other.
        for (int writer = 1; writer <= 3; writer++) {
            assertEquals(200, api.put(endpoint(writer), "tls/peers", "from-" + writer).status());
            for (int reader = 1; reader <= 3; reader++) {
                assertEquals("from-" + writer, api.value(endpoint(reader), "tls/peers"));
            }
        }
        for (int id = 1; id <= 3; id++) {
            HostPort raft = raftAddress(id);
            assertClosedOnPlaintext(raft);
            // A member certificate of the cluster's CA gets an HTTP/2 answer; one of another CA gets none.
            assertTrue(answersHttp2(raft, "node-" + (id % 3 + 1)), "a member's certificate is accepted");
            assertTrue(!answersHttp2(raft, "impostor"), "a certificate of another CA is refused");
            // A client's certificate of the same CA opens the client port, never the member port: whoever gets
            // through there may append any entry to the log.
            assertTrue(!answersHttp2(raft, "root"), "a client's certificate is refused on the member port");
            assertTrue(!answersHttp2(raft, null), "no certificate is refused on the member port");
        }
    }

    @Test
    @Order(6)
    void aRenewedServerCertificateIsServedWithoutARestart() throws Exception {
        BigInteger before = servedSerial(clientAddress(1));
        assertEquals(before, servedSerial(raftAddress(1)), "the same files serve both ports here");
        CertTool.Issued renewed = CertTool.member(ca, "node-1", List.of());
        renewed.write(certs, "node-1");
        BigInteger expected = renewed.cert().getSerialNumber();
        await().atMost(RELOADED_WITHIN).pollInterval(Duration.ofMillis(100))
                .until(() -> expected.equals(servedSerial(clientAddress(1))));
        await().atMost(RELOADED_WITHIN).pollInterval(Duration.ofMillis(100))
                .until(() -> expected.equals(servedSerial(raftAddress(1))));
        assertTrue(cluster.node(1).isAlive());
        assertEquals(200, api.put(endpoint(1), "tls/renewed", "still works").status());
        assertEquals("still works", api.value(endpoint(3), "tls/renewed"));
    }

    @Test
    @Order(7)
    void aRenewedCaBundleIsTakenWithoutARestart() throws Exception {
        CertTool.Issued nextCa = CertTool.newCa("TlsIT next CA");
        CertTool.client(nextCa, "root").write(certs, "next-root");
        // A CA rotation: first every member trusts both CAs...
        String bundle = Files.readString(certs.resolve("ca.pem"));
        nextCa.write(certs, "next-ca");
        Files.writeString(certs.resolve("ca.pem.tmp"), bundle + Files.readString(certs.resolve("next-ca.pem")));
        Files.move(certs.resolve("ca.pem.tmp"), certs.resolve("ca.pem"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        ApiClient nextClient = new ApiClient(client("next-root"));
        for (int id = 1; id <= 3; id++) {
            String at = endpoint(id);
            await().atMost(RELOADED_WITHIN).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> nextClient.post(at, "/v3/kv/range", "{\"key\":\"YQ==\"}").ok());
        }
        // ...then every member gets a certificate of the new CA, and the members still reach each other.
        for (int id = 1; id <= 3; id++) {
            CertTool.member(nextCa, "node-" + id, List.of()).write(certs, "node-" + id);
        }
        for (int id = 1; id <= 3; id++) {
            HostPort raft = raftAddress(id);
            await().atMost(RELOADED_WITHIN).pollInterval(Duration.ofMillis(100)).until(() ->
                    issuerOf(raft).equals(nextCa.cert().getSubjectX500Principal().getName()));
        }
        assertEquals(200, nextClient.put(endpoint(2), "tls/rotated", "new CA").status());
        for (int id = 1; id <= 3; id++) {
            assertEquals("new CA", nextClient.value(endpoint(id), "tls/rotated"));
        }
    }

    /** A plaintext HTTP/2 preface gets no answer: the connection is closed (or answered with a TLS alert). */
    private static void assertClosedOnPlaintext(HostPort at) throws IOException {
        try (Socket s = new Socket(at.host(), at.port())) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(RawGrpc.PREFACE);
            s.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
            s.getOutputStream().flush();
            int first = s.getInputStream().read();
            assertTrue(first == -1 || first == 0x15, "closed or a TLS alert, not HTTP/2, from " + at + ": " + first);
        } catch (java.net.SocketException e) {
            // reset: refused as well
        }
    }

    /**
     * Whether a TLS connection presenting {@code cert}.pem (trusting every CA in the test) gets an HTTP/2 answer to
     * its preface, as a member connecting to another gets one.
     */
    private boolean answersHttp2(HostPort at, String cert) throws Exception {
        try (SSLSocket s = socket(at, cert)) {
            s.startHandshake();
            s.getOutputStream().write(RawGrpc.PREFACE);
            s.getOutputStream().write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] header = in.readNBytes(9);
            return header.length == 9 && header[3] == RawGrpc.SETTINGS;
        } catch (IOException e) {
            return false;
        }
    }

    private BigInteger servedSerial(HostPort at) throws Exception {
        try (SSLSocket s = socket(at, probeFor(at))) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    /** The certificate to open a port with: a member's for a member port, a client's for a client port. */
    private String probeFor(HostPort at) throws Exception {
        for (int id = 1; id <= 3; id++) {
            if (at.equals(raftAddress(id))) {
                return "probe";
            }
        }
        return "root";
    }

    private String issuerOf(HostPort at) throws Exception {
        try (SSLSocket s = socket(at, probeFor(at))) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getIssuerX500Principal().getName();
        }
    }

    /** A fresh TLS connection (no session reuse), trusting the CA files of this test, offering ALPN h2. */
    private SSLSocket socket(HostPort at, String cert) throws Exception {
        String bundle = Files.readString(certs.resolve("ca.pem"));
        Path trusted = Files.createTempFile(certs, "trusted", ".pem");
        Files.writeString(trusted, bundle + otherCaPem());
        SSLContext ssl = ClientSsl.fromPem(trusted, cert == null ? null : certs.resolve(cert + ".pem"),
                cert == null ? null : certs.resolve(cert + "-key.pem"));
        Files.delete(trusted);
        SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket(at.host(), at.port());
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setApplicationProtocols(new String[] {"h2"});
        s.setSSLParameters(p);
        return s;
    }

    private String otherCaPem() throws IOException {
        otherCa.write(certs, "other-ca");
        return Files.readString(certs.resolve("other-ca.pem"));
    }

    private ManagedChannel grpcChannel(int id, String cert) throws Exception {
        HostPort at = clientAddress(id);
        return NettyChannelBuilder.forAddress(at.host(), at.port()).negotiationType(NegotiationType.TLS)
                .sslContext(GrpcSslContexts.forClient().trustManager(certs.resolve("ca.pem").toFile())
                        .keyManager(certs.resolve(cert + ".pem").toFile(), certs.resolve(cert + "-key.pem").toFile())
                        .build())
                .build();
    }

    private static String[] concat(String[] first, String... rest) {
        String[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }
}
