package raftkv.server.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import raftkv.config.PemFiles;

/**
 * One side's TLS material (the client port's, or the members'): a certificate with its key, and the CA bundle that
 * verifies the other end, read from PEM files and re-read when they change. Handshakes get the material through
 * {@link #keyManager()} and {@link #trustManager()}, which always hand out the last good one: a file that turns up
 * broken is reported (WARN, naming the file and why) and the old material stays in use.
 *
 * <p>{@link #reloadIfChanged()} runs on the reload thread only ({@link TlsReloader}); the fields below are that
 * thread's. The first load happens in the constructor, before the thread starts.
 */
public final class TlsCredentials {

    private static final Logger log = LoggerFactory.getLogger(TlsCredentials.class);

    private final String side;
    private final Path certFile;
    private final Path keyFile;
    /** Null when this side verifies no certificates of the other end. */
    private final Path caFile;
    private final ReloadingKeyManager keyManager = new ReloadingKeyManager();
    private final ReloadingTrustManager trustManager;

    /** The files' modification times and sizes when last looked at: a cheap test for "nothing changed". */
    private List<Object> lastStamps;
    /** The files' content hash of the material in use. */
    private byte[] loadedHash;
    /**
     * Why the files were found broken at the last poll, and why when that was last reported: a breakage is reported
     * once it is seen at two polls in a row (a renewal that writes the certificate, then the key, is not one), and
     * then only once.
     */
    private String seen;
    private String reported;

    private TlsCredentials(String side, Path certFile, Path keyFile, Path caFile) {
        this.side = side;
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.caFile = caFile;
        this.trustManager = caFile == null ? null : new ReloadingTrustManager();
    }

    /**
     * Loads {@code side}'s material ({@code side} names it in logs: "client" or "peer"); {@code caFile} may be null.
     * Fails, saying which file is wrong and why, when the files are not usable.
     */
    public static TlsCredentials load(String side, Path certFile, Path keyFile, Path caFile) {
        TlsCredentials c = new TlsCredentials(side, certFile, keyFile, caFile);
        try {
            // Stamps before contents: a change in between is seen at the next poll.
            c.lastStamps = c.stampsOrNull();
            Read read = c.read();
            c.apply(read);
            c.loadedHash = read.hash();
        } catch (PemFiles.InvalidPemException | GeneralSecurityException e) {
            throw new IllegalArgumentException("the " + side + " TLS files are not usable: " + e.getMessage(), e);
        }
        return c;
    }

    /** Presents the current certificate; hand it to Netty's or Ratis' SSL context. */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** Verifies the other end against the current CA bundle; null when no CA file is configured. */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** The certificate handshakes get now. */
    public X509Certificate certificate() {
        return keyManager.certificate();
    }

    /**
     * Re-reads the files if their modification time or size changed, and uses the new material if their content
     * did and it is good. Runs on the reload thread; never throws.
     */
    void reloadIfChanged() {
        List<Object> stamps = stampsOrNull();
        if (stamps != null && stamps.equals(lastStamps)) {
            return;
        }
        lastStamps = stamps;
        try {
            Read read = read();
            if (Arrays.equals(read.hash(), loadedHash)) {
                seen = null; // touched, not changed (or back to what is in use)
                reported = null;
                return;
            }
            apply(read);
            loadedHash = read.hash();
            seen = null;
            reported = null;
        } catch (PemFiles.InvalidPemException | GeneralSecurityException e) {
            String why = e.getMessage();
            if (why.equals(seen) && !why.equals(reported)) {
                log.warn("NOT RELOADING the {} TLS files: {}; still serving the certificate {}", side, why,
                        describe(certificate()));
                reported = why;
            } else if (!why.equals(seen)) {
                log.debug("the {} TLS files changed but are not usable yet ({}); looking again at the next poll",
                        side, why);
            }
            seen = why;
            // Try again at the next poll even if nothing changes in between (a file written in several steps).
            lastStamps = null;
        }
    }

    /** The files' content, parsed. */
    private record Read(PrivateKey key, X509Certificate[] chain, List<X509Certificate> authorities, byte[] hash) {
    }

    private Read read() throws PemFiles.InvalidPemException {
        byte[] certPem = PemFiles.read(certFile);
        byte[] keyPem = PemFiles.read(keyFile);
        byte[] caPem = caFile == null ? new byte[0] : PemFiles.read(caFile);
        List<X509Certificate> chain = PemFiles.certificates(certPem, certFile);
        PrivateKey key = PemFiles.privateKey(keyPem, keyFile);
        PemFiles.checkPair(key, chain.get(0), keyFile, certFile);
        List<X509Certificate> authorities = caFile == null ? List.of() : PemFiles.certificates(caPem, caFile);
        return new Read(key, chain.toArray(new X509Certificate[0]), authorities, hash(certPem, keyPem, caPem));
    }

    private void apply(Read read) throws GeneralSecurityException {
        // The trust manager first: building it is the step that can still fail.
        if (trustManager != null) {
            trustManager.use(read.authorities());
        }
        keyManager.use(read.key(), read.chain());
        log.info("{} TLS: serving certificate {}{}", side, describe(read.chain()[0]),
                caFile == null ? "" : ", trusting " + read.authorities().size() + " CA certificate(s) from "
                        + caFile);
    }

    /** Subject, serial and expiry: what an operator checks after renewing a certificate. Never key material. */
    static String describe(X509Certificate cert) {
        return "'" + cert.getSubjectX500Principal().getName() + "' serial " + cert.getSerialNumber().toString(16)
                + " valid until " + cert.getNotAfter().toInstant();
    }

    /** The files' modification times and sizes; null when one is gone or unreadable (read() then says which). */
    private List<Object> stampsOrNull() {
        try {
            return stamps();
        } catch (IOException e) {
            return null;
        }
    }

    private List<Object> stamps() throws IOException {
        List<Object> stamps = new ArrayList<>();
        for (Path p : new Path[] {certFile, keyFile, caFile}) {
            if (p != null) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                stamps.add(a.lastModifiedTime());
                stamps.add(a.size());
            }
        }
        return stamps;
    }

    private static byte[] hash(byte[]... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                sha.update(Objects.requireNonNull(part));
                sha.update((byte) 0);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
