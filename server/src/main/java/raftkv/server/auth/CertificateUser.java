package raftkv.server.auth;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The user a TLS client certificate stands for: the CN of its subject, as etcd's {@code --client-cert-auth}. Only
 * a certificate the handshake verified counts (the TLS layer asks for client certificates, and checks them against
 * the trusted CA, only when configured to).
 */
public final class CertificateUser {

    private CertificateUser() {
    }

    /** The CN of the verified peer certificate of {@code session}; null when there is none. */
    public static String of(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate x509)) {
            return null;
        }
        try {
            for (Rdn rdn : new LdapName(x509.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }
}
