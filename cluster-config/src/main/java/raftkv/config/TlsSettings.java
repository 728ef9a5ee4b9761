package raftkv.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * TLS for the client port and between members, named after etcd's flags. Off unless a certificate is configured:
 * {@code certFile} turns it on for the client port, {@code peerCertFile} between members.
 *
 * <pre>
 * tls:
 *   certFile: certs/node-1.pem          # etcd --cert-file
 *   keyFile: certs/node-1-key.pem       # etcd --key-file
 *   trustedCaFile: certs/ca.pem         # etcd --trusted-ca-file: verifies client certificates
 *   clientCertAuth: true                # etcd --client-cert-auth: a client without a certificate is refused
 *   peerCertFile: certs/node-1.pem      # etcd --peer-cert-file
 *   peerKeyFile: certs/node-1-key.pem   # etcd --peer-key-file
 *   peerTrustedCaFile: certs/ca.pem     # etcd --peer-trusted-ca-file
 *   reloadIntervalMs: 5000              # how often the files are checked for changes
 * </pre>
 *
 * <p>On the client port, a {@code trustedCaFile} without {@code clientCertAuth} asks clients for a certificate and
 * verifies one that is offered, but also serves clients without one. Members always authenticate each other (mutual
 * TLS) when peer TLS is on, so {@code peerTrustedCaFile} is then required. Files are PEM: certificates (the first
 * one is the member's own, the rest its chain) and a private key in PKCS#8, PKCS#1 or SEC1 form, unencrypted.
 */
public record TlsSettings(@JsonProperty("certFile") String certFile,
                          @JsonProperty("keyFile") String keyFile,
                          @JsonProperty("trustedCaFile") String trustedCaFile,
                          @JsonProperty("clientCertAuth") Boolean clientCertAuth,
                          @JsonProperty("peerCertFile") String peerCertFile,
                          @JsonProperty("peerKeyFile") String peerKeyFile,
                          @JsonProperty("peerTrustedCaFile") String peerTrustedCaFile,
                          @JsonProperty("reloadIntervalMs") Long reloadIntervalMs) {

    public static final long DEFAULT_RELOAD_INTERVAL_MS = 5000;
    public static final TlsSettings DEFAULTS = new TlsSettings(null, null, null, null, null, null, null, null);

    @JsonCreator
    public TlsSettings {
        clientCertAuth = clientCertAuth != null && clientCertAuth;
        reloadIntervalMs = reloadIntervalMs == null ? DEFAULT_RELOAD_INTERVAL_MS : reloadIntervalMs;
    }

    /** Client and peer TLS from the same files, with client certificates required: how a secure local cluster runs. */
    public static TlsSettings mutual(String certFile, String keyFile, String caFile, long reloadIntervalMs) {
        return new TlsSettings(certFile, keyFile, caFile, true, certFile, keyFile, caFile, reloadIntervalMs);
    }

    /** Whether the client port speaks TLS. */
    @JsonIgnore
    public boolean clientTls() {
        return certFile != null;
    }

    /** Whether members talk to each other over (mutual) TLS. */
    @JsonIgnore
    public boolean peerTls() {
        return peerCertFile != null;
    }
}
