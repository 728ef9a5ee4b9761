package raftkv.server.tls;

import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.X509ExtendedTrustManager;
import raftkv.config.TlsSettings;

/**
 * A node's TLS, as its configuration asks: the client port's credentials and context, the members' credentials
 * (handed to Ratis), and the thread that reloads both when their files change. Either side may be off.
 */
public final class NodeTls implements AutoCloseable {

    private final TlsCredentials client;
    private final SslContext clientContext;
    private final TlsCredentials peer;
    private final X509ExtendedTrustManager peerTrust;
    private final TlsReloader reloader;

    private NodeTls(TlsSettings s) {
        this.client = s.clientTls() ? TlsCredentials.load("client", Path.of(s.certFile()), Path.of(s.keyFile()),
                s.trustedCaFile() == null ? null : Path.of(s.trustedCaFile())) : null;
        this.clientContext = client == null ? null : ClientPortTls.serverContext(client, s.clientCertAuth());
        this.peer = s.peerTls() ? TlsCredentials.load("peer", Path.of(s.peerCertFile()), Path.of(s.peerKeyFile()),
                Path.of(s.peerTrustedCaFile())) : null;
        this.peerTrust = peer == null ? null : new MemberTrustManager(peer.trustManager());
        List<TlsCredentials> watched = new ArrayList<>();
        if (client != null) {
            watched.add(client);
        }
        if (peer != null) {
            watched.add(peer);
        }
        this.reloader = watched.isEmpty() ? null : new TlsReloader(watched, Duration.ofMillis(s.reloadIntervalMs()));
    }

    /** Loads the configured files (failing, with the file and the reason, if one is not usable) and starts reloading. */
    public static NodeTls start(TlsSettings settings) {
        return new NodeTls(settings);
    }

    /** The client port's TLS context, or null when the client port is plaintext. */
    public SslContext clientContext() {
        return clientContext;
    }

    /** The members' TLS credentials, or null when members talk plaintext. */
    public TlsCredentials peer() {
        return peer;
    }

    /**
     * What the Raft port trusts: the members' CA bundle, and of the certificates it signed only members' (see
     * {@link MemberTrustManager}); null when members talk plaintext.
     */
    public X509ExtendedTrustManager peerTrustManager() {
        return peer == null ? null : peerTrust;
    }

    @Override
    public void close() {
        if (reloader != null) {
            reloader.close();
        }
    }
}
