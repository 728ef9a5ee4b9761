package raftkv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tls} section: what turns TLS on, and every way its files can be wrong, each refused by field name. */
class TlsConfigTest {

    @TempDir
    Path dir;

    private static final String BASE = """
            cluster:
              name: test
              members:
                - {id: 1, name: node-1, raft: 127.0.0.1:2380, client: 127.0.0.1:2379}
            node:
              id: 1
              dataDir: data/node-1
            """;

    private Path cert;
    private Path key;
    private Path otherKey;
    private Path rsaKey;
    private Path rsaCert;

    @BeforeEach
    void writeFiles() throws Exception {
        KeyPair ec = generate("EC");
        cert = write("cert.pem", selfSigned(ec, "SHA256withECDSA"));
        key = write("key.pem", ec.getPrivate()); // PKCS#8 "PRIVATE KEY"
        otherKey = write("other-key.pem", generate("EC").getPrivate());
        KeyPair rsa = generate("RSA");
        rsaCert = write("rsa.pem", selfSigned(rsa, "SHA256withRSA"));
        // A KeyPair is written in its traditional form: PKCS#1 "RSA PRIVATE KEY", as older OpenSSL writes it.
        rsaKey = write("rsa-key.pem", rsa);
    }

    @Test
    void tlsIsOffByDefaultAndReloadsEveryFiveSeconds() throws Exception {
        NodeConfig c = ConfigLoader.load(file(BASE));
        assertFalse(c.tls().clientTls());
        assertFalse(c.tls().peerTls());
        assertEquals(5000, c.tls().reloadIntervalMs());
        assertFalse(c.tls().clientCertAuth());
    }

    @Test
    void aCompleteTlsSectionLoads() throws Exception {
        NodeConfig c = ConfigLoader.load(file(BASE + tls(
                "certFile: " + cert, "keyFile: " + key, "trustedCaFile: " + cert, "clientCertAuth: true",
                "peerCertFile: " + rsaCert, "peerKeyFile: " + rsaKey, "peerTrustedCaFile: " + cert,
                "reloadIntervalMs: 1000")));
        assertTrue(c.tls().clientTls());
        assertTrue(c.tls().peerTls());
        assertTrue(c.tls().clientCertAuth());
        assertEquals(1000, c.tls().reloadIntervalMs());
    }

    @Test
    void writtenConfigsKeepTheirTlsSection() throws Exception {
        NodeConfig c = ConfigLoader.load(file(BASE));
        NodeConfig secure = new NodeConfig(c.cluster(), c.node(), c.raft(), c.limits(), c.compaction(),
                TlsSettings.mutual(cert.toString(), key.toString(), cert.toString(), 2000), null);
        Path f = dir.resolve("written.yaml");
        ConfigLoader.write(secure, f);
        assertEquals(secure.tls(), ConfigLoader.load(f).tls());
    }

    @Test
    void aKeyWithoutACertificateIsRefused() throws Exception {
        assertEquals(List.of("field tls.keyFile: is set, but tls.certFile is not"),
                problems(tls("keyFile: " + key)));
        assertEquals(List.of("field tls.peerKeyFile: is set, but tls.peerCertFile is not"),
                problems(tls("peerKeyFile: " + key)));
        assertEquals(List.of("field tls.keyFile: is required with tls.certFile"),
                problems(tls("certFile: " + cert)));
    }

    @Test
    void missingAndUnreadableFilesAreNamed() throws Exception {
        Path missing = dir.resolve("nope.pem");
        assertEquals(List.of("field tls.certFile: " + missing + ": no such file"),
                problems(tls("certFile: " + missing, "keyFile: " + key)));
        Path locked = Files.copy(key, dir.resolve("locked.pem"));
        assertTrue(locked.toFile().setReadable(false));
        if (!Files.isReadable(locked)) { // root reads everything
            assertEquals(List.of("field tls.keyFile: " + locked + ": cannot be read (permission denied)"),
                    problems(tls("certFile: " + cert, "keyFile: " + locked)));
        }
    }

    @Test
    void filesThatAreNotTheRightPemAreRefused() throws Exception {
        Path text = Files.writeString(dir.resolve("text.pem"), "hello\n");
        assertEquals(List.of("field tls.certFile: " + text
                        + " holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)"),
                problems(tls("certFile: " + text, "keyFile: " + key)));
        assertEquals(List.of("field tls.keyFile: " + cert
                        + " holds no PEM private key (no -----BEGIN ... PRIVATE KEY----- block)"),
                problems(tls("certFile: " + cert, "keyFile: " + cert)));
        assertEquals(List.of("field tls.trustedCaFile: " + key + " holds a private key where only certificates"
                        + " belong"),
                problems(tls("certFile: " + cert, "keyFile: " + key, "trustedCaFile: " + key)));
        Path broken = Files.writeString(dir.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        String problem = problems(tls("certFile: " + broken, "keyFile: " + key)).get(0);
        assertTrue(problem.startsWith("field tls.certFile: " + broken), problem);
    }

    @Test
    void aKeyOfAnotherPairIsRefused() throws Exception {
        assertEquals(List.of("field tls.keyFile: " + otherKey + " is not the private key of the certificate in "
                + cert), problems(tls("certFile: " + cert, "keyFile: " + otherKey)));
    }

    @Test
    void clientCertAuthNeedsACaAndTls() throws Exception {
        assertEquals(List.of("field tls.clientCertAuth: is true, but tls.trustedCaFile is not set: client"
                        + " certificates cannot be verified without a CA"),
                problems(tls("certFile: " + cert, "keyFile: " + key, "clientCertAuth: true")));
        assertEquals(List.of("field tls.clientCertAuth: is true, but tls.trustedCaFile is not set: client"
                        + " certificates cannot be verified without a CA",
                        "field tls.clientCertAuth: is true, but tls.certFile is not set: the client port does not"
                        + " speak TLS"),
                problems(tls("clientCertAuth: true")));
    }

    @Test
    void peersAlwaysVerifyEachOther() throws Exception {
        assertEquals(List.of("field tls.peerTrustedCaFile: is required with tls.peerCertFile: members always"
                        + " verify each other's certificates"),
                problems(tls("peerCertFile: " + cert, "peerKeyFile: " + key)));
        assertEquals(List.of("field tls.peerTrustedCaFile: is set, but tls.peerCertFile is not"),
                problems(tls("peerTrustedCaFile: " + cert)));
    }

    @Test
    void aTooShortReloadIntervalIsRefused() throws Exception {
        assertEquals(List.of("field tls.reloadIntervalMs: 10 is too small (at least 100)"),
                problems(tls("reloadIntervalMs: 10")));
    }

    private static String tls(String... lines) {
        StringBuilder sb = new StringBuilder("tls:\n");
        for (String l : lines) {
            sb.append("  ").append(l).append('\n');
        }
        return sb.toString();
    }

    private List<String> problems(String tlsSection) throws IOException {
        Path f = file(BASE + tlsSection);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f));
        return e.problems().stream().map(p -> p.substring(p.indexOf(": ") + 2)).toList();
    }

    private Path file(String yaml) throws IOException {
        return Files.writeString(dir.resolve("node.yaml"), yaml);
    }

    private Path write(String name, Object pemObject) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(text)) {
            w.writeObject(pemObject instanceof java.security.PrivateKey k
                    ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : pemObject);
        }
        return Files.writeString(dir.resolve(name), text.toString());
    }

    private static KeyPair generate(String algorithm) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        g.initialize(algorithm.equals("EC") ? 256 : 2048);
        return g.generateKeyPair();
    }

    private static X509Certificate selfSigned(KeyPair pair, String signature) throws Exception {
        X500Principal name = new X500Principal("CN=test");
        long now = System.currentTimeMillis();
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.valueOf(now), new Date(now - 60_000), new Date(now + 86_400_000L), name, pair.getPublic())
                .build(new JcaContentSignerBuilder(signature).build(pair.getPrivate())));
    }
}
