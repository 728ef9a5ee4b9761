package raftkv.config;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the PEM files of TLS: certificates, and a private key in any of the forms OpenSSL, cfssl and etcd's docs
 * produce (PKCS#8, PKCS#1 {@code RSA PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}). Used where the configuration is
 * validated and wherever the files are (re)loaded, so both accept exactly the same files. Every failure is an
 * {@link InvalidPemException} whose message says what is wrong with the file, never what is in it.
 */
public final class PemFiles {

    private PemFiles() {
    }

    /** A file that is missing, unreadable or not the PEM it should be; the message names no key material. */
    public static final class InvalidPemException extends Exception {
        public InvalidPemException(String message) {
            super(message);
        }
    }

    /** The certificates in {@code file}, in file order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws InvalidPemException {
        return certificates(read(file), file);
    }

    /** The certificates in {@code pem} (the content of {@code file}, named in errors). */
    public static List<X509Certificate> certificates(byte[] pem, Path file) throws InvalidPemException {
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object o : objects(pem, file)) {
            if (!(o instanceof X509CertificateHolder holder)) {
                throw new InvalidPemException(file + " holds a " + kind(o) + " where only certificates belong");
            }
            try {
                certs.add(converter.getCertificate(holder));
            } catch (CertificateException e) {
                throw new InvalidPemException(file + " holds a certificate that cannot be read: " + e.getMessage());
            }
        }
        if (certs.isEmpty()) {
            throw new InvalidPemException(file + " holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)");
        }
        return certs;
    }

    /** The one private key in {@code file}. */
    public static PrivateKey privateKey(Path file) throws InvalidPemException {
        return privateKey(read(file), file);
    }

    /** The one private key in {@code pem} (the content of {@code file}, named in errors). */
    public static PrivateKey privateKey(byte[] pem, Path file) throws InvalidPemException {
        List<Object> objects = objects(pem, file);
        PrivateKey key = null;
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects) {
            if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new InvalidPemException(file + " holds an encrypted private key; raftkv needs it unencrypted"
                        + " (protect it by file permissions, as etcd does)");
            }
            try {
                if (o instanceof PEMKeyPair pair) {
                    key = converter.getPrivateKey(pair.getPrivateKeyInfo());
                } else if (o instanceof PrivateKeyInfo info) {
                    key = converter.getPrivateKey(info);
                }
            } catch (IOException e) {
                throw new InvalidPemException(file + " holds a private key that cannot be read: " + e.getMessage());
            }
        }
        if (key == null) {
            throw new InvalidPemException(file + " holds no PEM private key (no -----BEGIN ... PRIVATE KEY----- block)");
        }
        return key;
    }

    /**
     * Checks that {@code key} belongs to {@code cert} by signing with one and verifying with the other: a key from
     * another pair would fail every handshake, so it is refused up front.
     */
    public static void checkPair(PrivateKey key, X509Certificate cert, Path keyFile, Path certFile)
            throws InvalidPemException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return; // an algorithm we cannot test this way; the handshake will tell
        }
        try {
            byte[] probe = "raftkv key pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new InvalidPemException(keyFile + " is not the private key of the certificate in " + certFile);
            }
        } catch (GeneralSecurityException e) {
            throw new InvalidPemException(keyFile + " is not the private key of the certificate in " + certFile
                    + " (" + e.getMessage() + ")");
        }
    }

    /** The content of {@code file}, or why it cannot be read. */
    public static byte[] read(Path file) throws InvalidPemException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidPemException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new InvalidPemException(file + ": cannot be read (permission denied)");
        } catch (IOException e) {
            throw new InvalidPemException(file + ": cannot be read: " + e.getMessage());
        }
    }

    private static List<Object> objects(byte[] pem, Path file) throws InvalidPemException {
        List<Object> objects = new ArrayList<>();
        try (Reader r = new StringReader(new String(pem, StandardCharsets.US_ASCII));
             PEMParser parser = new PEMParser(r)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                objects.add(o);
            }
        } catch (IOException | RuntimeException e) {
            // PEMParser's messages describe the structure ("malformed PEM data"), never the bytes.
            throw new InvalidPemException(file + " does not parse as PEM: " + e.getMessage());
        }
        return objects;
    }

    private static String kind(Object o) {
        if (o instanceof PEMKeyPair || o instanceof PrivateKeyInfo || o instanceof PEMEncryptedKeyPair
                || o instanceof PKCS8EncryptedPrivateKeyInfo) {
            return "private key";
        }
        return o.getClass().getSimpleName();
    }
}
