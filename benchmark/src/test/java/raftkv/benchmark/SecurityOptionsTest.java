package raftkv.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import raftkv.benchmark.driver.Security;

class SecurityOptionsTest {

    @TempDir
    Path dir;

    private static Bench parse(String... args) {
        Bench b = new Bench();
        new CommandLine(b).parseArgs(args);
        return b;
    }

    private Path file(String name) throws Exception {
        return Files.writeString(dir.resolve(name), "-----BEGIN CERTIFICATE-----\n");
    }

    @Test
    void aUserWithoutItsPasswordIsRefusedWithoutEchoingIt() {
        var e = assertThrows(CommandLine.ParameterException.class, () -> parse("--user", "alice"));
        assertTrue(e.getMessage().contains("NAME:PASSWORD"), e.getMessage());
        e = assertThrows(CommandLine.ParameterException.class, () -> parse("--user", ":secret"));
        assertTrue(e.getMessage().contains("the name is empty"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void aMissingFileIsRefusedAsItIsParsed() {
        for (String option : new String[] {"--cacert", "--cert", "--key"}) {
            var e = assertThrows(CommandLine.ParameterException.class,
                    () -> parse(option, dir.resolve("nope.pem").toString()));
            assertTrue(e.getMessage().contains("no readable file"), e.getMessage());
        }
        assertThrows(CommandLine.ParameterException.class,
                () -> new CommandLine(new SecurityCost()).parseArgs("--cacert", dir.resolve("nope.pem").toString()));
    }

    @Test
    void theFlagsMakeOneRecordSplitAtTheFirstColon() throws Exception {
        Path ca = file("ca.pem");
        Path cert = file("root.pem");
        Path key = file("root-key.pem");
        Bench b = parse("--endpoints", "https://127.0.0.1:2379,https://127.0.0.1:22379", "--user", "bench:pa:ss",
                "--cacert", ca.toString(), "--cert", cert.toString(), "--key", key.toString());
        Security s = b.security.security(b.endpoints);
        assertEquals(new Security("bench", "pa:ss", ca, cert, key), s);
        assertTrue(s.tls(b.endpoints));
        assertFalse(s.toString().contains("pa:ss"), s.toString());
        assertEquals(Security.none(), parse().security.security(parse().endpoints));
    }

    @Test
    void certificatesNeedHttpsEndpointsAndACertNeedsItsKey() throws Exception {
        Path ca = file("ca.pem");
        Path cert = file("root.pem");
        Bench plain = parse("--cacert", ca.toString());
        var e = assertThrows(CommandLine.ParameterException.class, () -> plain.security.security(plain.endpoints));
        assertTrue(e.getMessage().contains("https"), e.getMessage());
        Bench noKey = parse("--endpoints", "https://127.0.0.1:2379", "--cert", cert.toString());
        e = assertThrows(CommandLine.ParameterException.class, () -> noKey.security.security(noKey.endpoints));
        assertTrue(e.getMessage().contains("--key"), e.getMessage());
        Bench mixed = parse("--endpoints", "https://127.0.0.1:2379,http://127.0.0.1:22379");
        assertThrows(CommandLine.ParameterException.class, () -> mixed.security.security(mixed.endpoints));
    }

    @Test
    void compareTakesTheSameFlagsForRaftkv() {
        Compare c = new Compare();
        new CommandLine(c).parseArgs("--user", "bench:pw");
        assertEquals(Security.none().asUser("bench", "pw"), c.security.security(c.sides.raftkvEndpoints));
    }
}
