package raftkv.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import raftkv.client.FakeNode;
import raftkv.client.TestPki;

/** kvctl's --cacert, --cert, --key and --insecure-skip-tls-verify against an https {@link FakeNode}. */
class TlsFlagsTest {

    private static final String GET_ANSWER = "{\"header\":{\"revision\":\"3\"},\"kvs\":[],\"count\":\"0\"}";

    @TempDir
    Path dir;
    private String err;

    private int kvctl(String... args) {
        StringWriter e = new StringWriter();
        int exit = Kvctl.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(e, true));
        err = e.toString();
        return exit;
    }

    @Test
    void mutualTlsFromPemFilesAndARefusedServerCertificate() throws Exception {
        TestPki pki = new TestPki("kvctl-ca");
        Path ca = pki.writeCaPem(dir, "ca.pem");
        Path[] client = TestPki.writePem(pki.client("kvctl"), dir, "client");
        TestPki other = new TestPki("other-ca");
        try (FakeNode strict = new FakeNode(r -> new FakeNode.Reply(200, GET_ANSWER),
                pki.serverContext(pki.loopbackServer()), true);
             FakeNode impostor = new FakeNode(r -> new FakeNode.Reply(200, GET_ANSWER),
                     other.serverContext(other.loopbackServer()), false)) {

            assertEquals(0, kvctl("--endpoints", strict.uri().toString(), "--cacert", ca.toString(),
                    "--cert", client[0].toString(), "--key", client[1].toString(), "get", "k"), err);
            assertEquals(1, strict.requests().size());

            assertEquals(Kvctl.UNAVAILABLE, kvctl("--endpoints", impostor.uri().toString(), "--cacert", ca.toString(),
                    "get", "k"));
            assertTrue(err.startsWith("Error: TLS handshake with " + impostor.uri() + " failed"), err);

            assertEquals(0, kvctl("--endpoints", impostor.uri().toString(), "--insecure-skip-tls-verify",
                    "get", "k"), err);
        }
    }
}
