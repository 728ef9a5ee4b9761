package raftkv.server.tls;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import raftkv.server.tools.CertTool;

class MemberTrustManagerTest {

    private final CertTool.Issued ca = CertTool.newCa("test CA");
    private final CertTool.Issued other = CertTool.newCa("another CA");

    private MemberTrustManager trusting(CertTool.Issued authority) throws Exception {
        return new MemberTrustManager(ReloadingTrustManager.pkix(List.of(authority.cert())));
    }

    private static X509Certificate[] chain(CertTool.Issued leaf, CertTool.Issued authority) {
        return new X509Certificate[] {leaf.cert(), authority.cert()};
    }

    @Test
    void aMembersCertificateOfTheCaIsTrusted() throws Exception {
        MemberTrustManager tm = trusting(ca);
        assertDoesNotThrow(() -> tm.checkClientTrusted(chain(CertTool.member(ca, "node-2", List.of()), ca), "RSA"));
    }

    @Test
    void aClientsCertificateOfTheSameCaIsRefused() throws Exception {
        MemberTrustManager tm = trusting(ca);
        var e = assertThrows(CertificateException.class,
                () -> tm.checkClientTrusted(chain(CertTool.client(ca, "root"), ca), "RSA"));
        assertTrue(e.getMessage().contains("not a member's certificate"), e.getMessage());
    }

    @Test
    void aMembersCertificateOfAnotherCaIsRefused() throws Exception {
        MemberTrustManager tm = trusting(ca);
        assertThrows(CertificateException.class,
                () -> tm.checkClientTrusted(chain(CertTool.member(other, "node-2", List.of()), other), "RSA"));
    }

    @Test
    void anEmptyChainIsRefused() {
        assertThrows(CertificateException.class, () -> MemberTrustManager.requireMember(new X509Certificate[0]));
    }
}
