package raftkv.server.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager whose certificate and key can be replaced while it is in use: every new handshake, on the client
 * port (Netty) and between members (Ratis), asks it for the material that is current then, so a renewed
 * certificate is served without a restart. Handshakes already done keep what they got.
 *
 * <p>Each material gets a new alias. A handshake that chose its alias just before a swap still finds its key under
 * that alias (the previous material is kept), and a TLS engine that caches material by alias never serves a stale
 * certificate under a current alias.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {

    /** A certificate chain (the member's own first) and its private key, under one alias. */
    record Identity(String alias, PrivateKey key, X509Certificate[] chain) {
    }

    // Written by the reload thread only (see use), read by handshakes on any thread.
    private volatile Identity current;
    private volatile Identity previous;
    private int generation;

    /** Serves {@code chain} and {@code key} to every handshake from now on. Called by one thread at a time. */
    synchronized void use(PrivateKey key, X509Certificate[] chain) {
        generation++;
        Identity next = new Identity("raftkv-" + generation, key, chain.clone());
        previous = current;
        current = next;
    }

    /** The certificate handshakes get now. */
    X509Certificate certificate() {
        return current.chain()[0];
    }

    private String aliasFor(String keyType) {
        Identity id = current;
        if (id == null) {
            return null;
        }
        return keyType == null || fits(id.key().getAlgorithm(), keyType) ? id.alias() : null;
    }

    /** Whether a key of {@code algorithm} serves the TLS key type {@code keyType} ("RSA", "EC", "EC_RSA", ...). */
    private static boolean fits(String algorithm, String keyType) {
        String type = keyType.contains("_") ? keyType.substring(0, keyType.indexOf('_')) : keyType;
        if (type.equalsIgnoreCase(algorithm)) {
            return true;
        }
        return (type.equalsIgnoreCase("EdDSA") || type.equalsIgnoreCase("Ed25519"))
                && (algorithm.equalsIgnoreCase("EdDSA") || algorithm.equalsIgnoreCase("Ed25519"));
    }

    private Identity byAlias(String alias) {
        Identity id = current;
        if (id != null && id.alias().equals(alias)) {
            return id;
        }
        Identity before = previous;
        return before != null && before.alias().equals(alias) ? before : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return chooseAlias(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return chooseAlias(keyTypes);
    }

    private String chooseAlias(String[] keyTypes) {
        if (keyTypes == null) {
            return aliasFor(null);
        }
        for (String type : keyTypes) {
            String alias = aliasFor(type);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Identity id = byAlias(alias);
        return id == null ? null : id.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Identity id = byAlias(alias);
        return id == null ? null : id.key();
    }
}
