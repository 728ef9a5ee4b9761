package raftkv.server.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.server.tools.CertTool;

/**
 * The reloading key and trust managers behind every TLS handshake: a renewed certificate or CA bundle reaches new
 * handshakes without a restart, and broken files leave the old material in use.
 */
class TlsCredentialsTest {

    @TempDir
    Path dir;

    private CertTool.Issued ca;
    private TlsCredentials credentials;
    private TlsReloader reloader;
    private SSLServerSocket server;
    private Thread acceptor;

    @BeforeEach
    void issue() throws IOException {
        ca = CertTool.newCa("test CA");
        ca.write(dir, "ca");
        CertTool.member(ca, "node-1", List.of()).write(dir, "node-1");
        credentials = TlsCredentials.load("test", dir.resolve("node-1.pem"), dir.resolve("node-1-key.pem"),
                dir.resolve("ca.pem"));
        reloader = new TlsReloader(List.of(credentials), Duration.ofMillis(100));
    }

    @AfterEach
    void stop() throws Exception {
        reloader.close();
        if (server != null) {
            server.close();
            acceptor.join(5000);
        }
    }

    @Test
    void aRenewedCertificateIsServedToNewHandshakes() throws Exception {
        serve();
        BigInteger first = servedSerial(ca);
        assertEquals(credentials.certificate().getSerialNumber(), first);

        CertTool.Issued renewed = CertTool.member(ca, "node-1", List.of());
        renewed.write(dir, "node-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> servedSerial(ca).equals(
                renewed.cert().getSerialNumber()));
    }

    @Test
    void aRenewedCaBundleIsTrustedByNewHandshakes() throws Exception {
        serve();
        CertTool.Issued newCa = CertTool.newCa("next CA");
        CertTool.Issued client = CertTool.client(newCa, "root");
        assertThrows(IOException.class, () -> handshake(ca, client), "not trusted yet");

        // The new bundle holds both CAs, as during a CA rotation; and the server certificate from the new CA.
        Files.writeString(dir.resolve("ca.pem"), Files.readString(dir.resolve("ca.pem")) + pem(newCa, "ca2"));
        CertTool.member(newCa, "node-1", List.of()).write(dir, "node-1");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            handshake(newCa, client);
            return true;
        });
    }

    @Test
    void brokenFilesKeepTheOldCertificate() throws Exception {
        serve();
        BigInteger first = servedSerial(ca);
        Files.writeString(dir.resolve("node-1.pem"), "not a certificate\n");
        // A key of another pair: written after the certificate, as a renewal half done would leave them.
        CertTool.Issued renewed = CertTool.member(ca, "node-1", List.of());
        renewed.write(dir.resolve("node-1.pem"), dir.resolve("other-key.pem"));
        Thread.sleep(500); // several polls: none may take the broken files
        assertEquals(first, servedSerial(ca));

        // Once the files are whole again, they are taken.
        renewed.write(dir, "node-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> servedSerial(ca).equals(
                renewed.cert().getSerialNumber()));
    }

    @Test
    void unusableFilesAtStartNameTheFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsCredentials.load(
                "client", dir.resolve("missing.pem"), dir.resolve("node-1-key.pem"), null));
        assertTrue(e.getMessage().contains("missing.pem: no such file"), e.getMessage());
    }

    /** A TLS server on the credentials, requiring client certificates (as members do), answering one byte. */
    private void serve() throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(new javax.net.ssl.KeyManager[] {credentials.keyManager()},
                new TrustManager[] {credentials.trustManager()}, null);
        server = (SSLServerSocket) ssl.getServerSocketFactory().createServerSocket(0);
        server.setNeedClientAuth(true);
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                    s.getOutputStream().write(1);
                } catch (IOException e) {
                    // a refused handshake, or the server closing
                }
            }
        });
        acceptor.start();
    }

    private BigInteger servedSerial(CertTool.Issued trusted) throws Exception {
        return handshake(trusted, CertTool.client(ca, "root")).getSerialNumber();
    }

    /** A fresh handshake (no session reuse), trusting {@code trusted}, presenting {@code client}. */
    private X509Certificate handshake(CertTool.Issued trusted, CertTool.Issued client) throws Exception {
        ReloadingTrustManager trust = new ReloadingTrustManager();
        trust.use(List.of(trusted.cert()));
        ReloadingKeyManager keys = new ReloadingKeyManager();
        keys.use(client.key(), new X509Certificate[] {client.cert()});
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(new javax.net.ssl.KeyManager[] {keys}, new TrustManager[] {trust}, null);
        try (SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", server.getLocalPort())) {
            s.startHandshake();
            if (s.getInputStream().read() != 1) { // TLS 1.3: a refused client certificate shows here
                throw new SSLHandshakeException("the server closed the connection");
            }
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    private String pem(CertTool.Issued issued, String name) throws IOException {
        issued.write(dir, name);
        return Files.readString(dir.resolve(name + ".pem"));
    }
}
