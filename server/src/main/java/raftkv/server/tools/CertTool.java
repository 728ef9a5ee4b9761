package raftkv.server.tools;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import picocli.CommandLine;
import raftkv.config.PemFiles;

/**
 * {@code raftkv-certs}: a throwaway CA and the certificates of a secure local or test cluster, as PEM files. For
 * trying TLS out and for tests, not for production (use your own PKI there): keys are ECDSA P-256, written
 * unencrypted (owner-only permissions).
 *
 * <ul>
 *   <li>{@code ca --dir D}: {@code D/ca.pem}, {@code D/ca-key.pem};</li>
 *   <li>{@code member --dir D --name node-1 [--host H]...}: {@code D/node-1.pem} and its key, for both ends of
 *       member connections and for the client port; names 127.0.0.1, ::1, localhost and every given host;</li>
 *   <li>{@code client --dir D --cn root}: {@code D/root.pem} and its key, whose CN is the user name etcd's
 *       {@code --client-cert-auth} maps it to;</li>
 *   <li>{@code local --dir D --nodes 3 --client-cn root}: all of the above for nodes node-1..node-N.</li>
 * </ul>
 */
@CommandLine.Command(name = "raftkv-certs", mixinStandardHelpOptions = true,
        subcommands = {CertTool.Ca.class, CertTool.MemberCert.class, CertTool.ClientCert.class,
                CertTool.Local.class})
public final class CertTool {

    /** How long generated certificates are valid. */
    public static final Duration VALIDITY = Duration.ofDays(365);
    private static final SecureRandom RANDOM = new SecureRandom();

    private CertTool() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(CertTool.class).setExecutionExceptionHandler((e, cmd, parsed) -> {
            System.err.println(cmd.getCommandName() + ": " + e.getMessage());
            return 1;
        }).execute(args));
    }

    /** A certificate and its private key. */
    public record Issued(X509Certificate cert, PrivateKey key) {

        /** Writes the certificate to {@code certFile} and the key (PKCS#8, owner-only) to {@code keyFile}. */
        public void write(Path certFile, Path keyFile) throws IOException {
            writePem(certFile, cert, false);
            writePem(keyFile, key, true);
        }

        /** Writes {@code dir/<name>.pem} and {@code dir/<name>-key.pem}. */
        public void write(Path dir, String name) throws IOException {
            write(dir.resolve(name + ".pem"), dir.resolve(name + "-key.pem"));
        }

        /** Reads {@code dir/<name>.pem} and {@code dir/<name>-key.pem}. */
        public static Issued read(Path dir, String name) throws IOException {
            try {
                return new Issued(PemFiles.certificates(dir.resolve(name + ".pem")).get(0),
                        PemFiles.privateKey(dir.resolve(name + "-key.pem")));
            } catch (PemFiles.InvalidPemException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    /** A new self-signed CA named {@code name}. */
    public static Issued newCa(String name) {
        KeyPair pair = newKeyPair();
        X500Principal subject = new X500Principal("CN=" + name + ",O=raftkv");
        try {
            X509v3CertificateBuilder b = builder(subject, subject, pair);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
            return new Issued(sign(b, pair.getPrivate()), pair.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a CA certificate: " + e.getMessage(), e);
        }
    }

    /**
     * A member's certificate, signed by {@code ca}: CN {@code name}, good for both ends of a TLS connection (members
     * are servers and clients of each other), naming 127.0.0.1, ::1, localhost and {@code hosts}.
     */
    public static Issued member(Issued ca, String name, List<String> hosts) {
        Set<String> names = new LinkedHashSet<>(List.of("127.0.0.1", "::1", "localhost"));
        names.addAll(hosts);
        List<GeneralName> san = new ArrayList<>();
        for (String h : names) {
            san.add(isAddress(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
        }
        return leaf(ca, "CN=" + name + ",O=raftkv", new GeneralNames(san.toArray(new GeneralName[0])),
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
    }

    /** A client's certificate, signed by {@code ca}, whose CN is {@code commonName} (the user it authenticates as). */
    public static Issued client(Issued ca, String commonName) {
        return leaf(ca, "CN=" + commonName, null, new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth});
    }

    private static Issued leaf(Issued ca, String subject, GeneralNames san, KeyPurposeId[] purposes) {
        KeyPair pair = newKeyPair();
        try {
            X509v3CertificateBuilder b = builder(ca.cert().getSubjectX500Principal(), new X500Principal(subject), pair);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.cert()));
            if (san != null) {
                b.addExtension(Extension.subjectAlternativeName, false, san);
            }
            return new Issued(sign(b, ca.key()), pair.getPrivate());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a certificate for " + subject + ": " + e.getMessage(), e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Principal issuer, X500Principal subject, KeyPair pair) {
        Instant now = Instant.now();
        // A random serial: a renewed certificate is told apart from the old one by it.
        BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE);
        // Valid from an hour ago, for clocks a little behind.
        return new JcaX509v3CertificateBuilder(issuer, serial, Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(VALIDITY)), subject, pair.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey issuerKey)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isAddress(String host) {
        if (host.contains(":")) {
            return true;
        }
        return host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /**
     * Writes one PEM object. The file is replaced by a rename, so that a node reloading it never reads half of it;
     * a key file is readable by its owner only.
     */
    private static void writePem(Path file, Object o, boolean secret) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(o instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : o);
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            if (secret) {
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system: its defaults apply
                }
            }
            Files.writeString(tmp, text.toString());
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The CA in {@code dir}, or a new one written there. */
    static Issued caIn(Path dir) throws IOException {
        if (Files.exists(dir.resolve("ca.pem"))) {
            return Issued.read(dir, "ca");
        }
        Issued ca = newCa("raftkv test CA " + Long.toHexString(RANDOM.nextLong()));
        ca.write(dir, "ca");
        return ca;
    }

    @CommandLine.Command(name = "ca", description = "Writes a new CA (ca.pem, ca-key.pem) into --dir.")
    static final class Ca implements Callable<Integer> {
        @CommandLine.Option(names = "--dir", required = true) Path dir;
        @CommandLine.Option(names = "--name", defaultValue = "raftkv test CA") String name;

        @Override
        public Integer call() throws Exception {
            newCa(name).write(dir, "ca");
            return 0;
        }
    }

    @CommandLine.Command(name = "member", description = "Writes NAME.pem and NAME-key.pem, signed by --dir's CA.")
    static final class MemberCert implements Callable<Integer> {
        @CommandLine.Option(names = "--dir", required = true) Path dir;
        @CommandLine.Option(names = "--name", required = true) String name;
        @CommandLine.Option(names = "--host", description = "another host name or address to name") List<String> hosts =
                new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            member(Issued.read(dir, "ca"), name, hosts).write(dir, name);
            return 0;
        }
    }

    @CommandLine.Command(name = "client", description = "Writes CN.pem and CN-key.pem, signed by --dir's CA.")
    static final class ClientCert implements Callable<Integer> {
        @CommandLine.Option(names = "--dir", required = true) Path dir;
        @CommandLine.Option(names = "--cn", required = true) String cn;

        @Override
        public Integer call() throws Exception {
            client(Issued.read(dir, "ca"), cn).write(dir, cn);
            return 0;
        }
    }

    @CommandLine.Command(name = "local", description = "A CA (kept if --dir has one), node-1..node-N and a client.")
    static final class Local implements Callable<Integer> {
        @CommandLine.Option(names = "--dir", required = true) Path dir;
        @CommandLine.Option(names = "--nodes", defaultValue = "3") int nodes;
        @CommandLine.Option(names = "--client-cn", defaultValue = "root") String clientCn;

        @Override
        public Integer call() throws Exception {
            Issued ca = caIn(dir);
            List<String> hosts = new ArrayList<>();
            try {
                hosts.add(InetAddress.getLocalHost().getHostName());
            } catch (IOException e) {
                // no name for this host: loopback only
            }
            for (int i = 1; i <= nodes; i++) {
                member(ca, "node-" + i, hosts).write(dir, "node-" + i);
            }
            client(ca, clientCn).write(dir, clientCn);
            return 0;
        }
    }
}
