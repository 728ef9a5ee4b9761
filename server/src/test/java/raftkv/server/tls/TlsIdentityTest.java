package raftkv.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** The user a client certificate names: its subject's CN. */
class TlsIdentityTest {

    @Test
    void theCommonNameIsTheMostSpecificCn() {
        assertEquals(Optional.of("root"), TlsIdentity.commonName(new X500Principal("CN=root")));
        assertEquals(Optional.of("alice"), TlsIdentity.commonName(new X500Principal("CN=alice,OU=ops,O=example")));
        assertEquals(Optional.of("a,b"), TlsIdentity.commonName(new X500Principal("CN=a\\,b,O=example")));
        assertEquals(Optional.of("leaf"), TlsIdentity.commonName(new X500Principal("CN=leaf,CN=outer,O=x")));
    }

    @Test
    void noCnNoSessionNoTlsMeansNoName() {
        assertEquals(Optional.empty(), TlsIdentity.commonName(new X500Principal("O=example,C=DE")));
        assertEquals(Optional.empty(), TlsIdentity.commonName((javax.net.ssl.SSLSession) null));
        assertEquals(Optional.empty(), TlsIdentity.commonName(new EmbeddedChannel()));
    }
}
