package raftkv.client;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the client speaks TLS to {@code https://} endpoints, as {@link RaftKv.Builder} collected it: whom it trusts
 * (a PEM CA bundle, a trust store, or the JDK's CAs), who it is (a PEM certificate chain and PKCS#8 key, or a key
 * store; or nobody), and whether it checks that a server's certificate names the host it dialled (yes, unless turned
 * off). Turned into one Netty {@link SslContext} (JDK provider) for every connection, streams included. Immutable.
 */
record TlsSettings(Path caBundle, Store trustStore, Path certChain, Path privateKey, Store keyStore,
                   boolean verifyHostname, boolean trustAnyServer) {

    /** A JKS or PKCS#12 file (its type is found from its content) and its password. */
    record Store(Path path, char[] password) {
        @Override
        public String toString() {
            return path.toString(); // never the password
        }
    }

    static final TlsSettings DEFAULT = new TlsSettings(null, null, null, null, null, true, false);

    boolean isDefault() {
        return equals(DEFAULT);
    }

    /** The context for these settings; an {@link IllegalArgumentException} naming the file that would not do. */
    SslContext sslContext() {
        if (caBundle != null && trustStore != null) {
            throw new IllegalArgumentException("TLS: give either a CA bundle or a trust store, not both");
        }
        if (certChain != null && keyStore != null) {
            throw new IllegalArgumentException("TLS: give either a client certificate and key or a key store, not both");
        }
        for (Path p : new Path[] {caBundle, certChain, privateKey}) {
            if (p != null && !Files.isReadable(p)) {
                throw new IllegalArgumentException("TLS: " + p + " cannot be read");
            }
        }
        // The stores are opened first: their errors name them and say what to check.
        TrustManagerFactory trust = trustStore == null || trustAnyServer ? null : trustManagers(trustStore);
        KeyManagerFactory keys = keyStore == null ? null : keyManagers(keyStore);
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
            if (trustAnyServer) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (caBundle != null) {
                b.trustManager(caBundle.toFile());
            } else if (trust != null) {
                b.trustManager(trust);
            }
            if (certChain != null) {
                b.keyManager(certChain.toFile(), privateKey.toFile());
            } else if (keys != null) {
                b.keyManager(keys);
            }
            // Endpoint identification is what checks the certificate's names against the host dialled.
            b.endpointIdentificationAlgorithm(verifyHostname && !trustAnyServer ? "HTTPS" : null);
            return b.build();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("TLS: cannot use " + describe() + " (PEM certificates; the key as"
                    + " unencrypted PKCS#8 PEM, BEGIN PRIVATE KEY): " + Rpc.rootMessage(e), e);
        }
    }

    private String describe() {
        StringBuilder s = new StringBuilder();
        if (caBundle != null) {
            s.append("CA bundle ").append(caBundle).append(' ');
        }
        if (certChain != null) {
            s.append("certificate ").append(certChain).append(" and key ").append(privateKey).append(' ');
        }
        return s.isEmpty() ? "the TLS settings" : s.toString().trim();
    }

    private static KeyStore load(Store s, String what) {
        try {
            return KeyStore.getInstance(s.path().toFile(), s.password());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS: cannot open the " + what + " " + s.path() + " (JKS or PKCS#12;"
                    + " is the password right?): " + Rpc.rootMessage(e), e);
        }
    }

    private static TrustManagerFactory trustManagers(Store s) {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(load(s, "trust store"));
            return f;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS: cannot use the trust store " + s.path() + ": " + e.getMessage(), e);
        }
    }

    private static KeyManagerFactory keyManagers(Store s) {
        try {
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(load(s, "key store"), s.password());
            return f;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("TLS: cannot use the key store " + s.path() + " (its key must have the"
                    + " store's password): " + e.getMessage(), e);
        }
    }
}
