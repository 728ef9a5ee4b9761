package raftkv.server.tls;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import raftkv.config.PemFiles;

/**
 * The client side of TLS from PEM files, as etcdctl's {@code --cacert}, {@code --cert} and {@code --key} take them:
 * for the tools that talk to a node's client port over HTTPS. Read once; a tool does not live long enough for
 * reloads.
 */
public final class ClientSsl {

    private ClientSsl() {
    }

    /** Trusts {@code caFile}'s CAs and, when {@code certFile} is given, presents that certificate with {@code keyFile}. */
    public static SSLContext fromPem(Path caFile, Path certFile, Path keyFile) {
        try {
            ReloadingTrustManager trust = new ReloadingTrustManager();
            trust.use(PemFiles.certificates(caFile));
            KeyManager[] keys = null;
            if (certFile != null) {
                List<X509Certificate> chain = PemFiles.certificates(certFile);
                PrivateKey key = PemFiles.privateKey(keyFile);
                ReloadingKeyManager km = new ReloadingKeyManager();
                km.use(key, chain.toArray(new X509Certificate[0]));
                keys = new KeyManager[] {km};
            }
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(keys, new javax.net.ssl.TrustManager[] {trust}, null);
            return ssl;
        } catch (PemFiles.InvalidPemException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the TLS files: " + e.getMessage(), e);
        }
    }
}
