package raftkv.server.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * Who the other end of a TLS connection is: the common name (CN) of its verified certificate, which etcd's
 * {@code --client-cert-auth} takes as the user name. For gRPC, the session is in the call's attributes
 * ({@code Grpc.TRANSPORT_ATTR_SSL_SESSION}); for the HTTP API, on the connection's pipeline.
 */
public final class TlsIdentity {

    private TlsIdentity() {
    }

    /**
     * The CN of the peer certificate {@code session} verified; empty when there is none (no session, no client
     * certificate, or a certificate without a CN). With several CNs, the most specific (last) one.
     */
    public static Optional<String> commonName(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return commonName(leaf.getSubjectX500Principal());
    }

    /** The CN of the verified client certificate of a connection to the client port; empty without TLS. */
    public static Optional<String> commonName(Channel channel) {
        SslHandler tls = channel == null ? null : channel.pipeline().get(SslHandler.class);
        return tls == null ? Optional.empty() : commonName(tls.engine().getSession());
    }

    static Optional<String> commonName(X500Principal subject) {
        try {
            List<Rdn> rdns = new LdapName(subject.getName(X500Principal.RFC2253)).getRdns();
            // LdapName lists the RDNs from the least to the most specific.
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
                    return Optional.of(String.valueOf(rdns.get(i).getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
