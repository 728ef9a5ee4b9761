package raftkv.server.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust of the Raft port: a connecting party must not only hold a certificate of the members' CA, it must hold
 * a member's certificate, one fit to serve (extended key usage serverAuth, or no usage restriction at all).
 *
 * <p>Why: Ratis serves its client and admin services on the member port. Whoever completes a handshake there can
 * append any entry to the log (one that says it comes from root, say) and change the configuration. Clients'
 * certificates are commonly issued by the same CA as the members' (raftkv's own {@code raftkv-cluster --tls}
 * does), with the clientAuth usage only: they must open the client port, never this one. Separate CAs for clients
 * and members are still the stronger setup, as etcd advises.
 */
final class MemberTrustManager extends X509ExtendedTrustManager {

    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String ANY_USAGE = "2.5.29.37.0";

    private final X509ExtendedTrustManager delegate;

    MemberTrustManager(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    /** Refuses a chain whose leaf may not serve: a client's certificate, however well signed. */
    static void requireMember(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no certificate");
        }
        List<String> usages;
        try {
            usages = chain[0].getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new CertificateException("unreadable extended key usage", e);
        }
        if (usages != null && !usages.contains(SERVER_AUTH) && !usages.contains(ANY_USAGE)) {
            throw new CertificateException("'" + chain[0].getSubjectX500Principal().getName()
                    + "' is not a member's certificate (no serverAuth usage): the member port takes members only");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
        requireMember(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
        requireMember(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
        requireMember(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
