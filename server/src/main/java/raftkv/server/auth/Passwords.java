package raftkv.server.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Password hashes and checks, with bcrypt as etcd. The hash is made by the member that receives the request, before
 * it proposes (bcrypt salts at random, and the apply must be the same everywhere).
 *
 * <p>A check costs one bcrypt run (about 2^cost rounds: tens of milliseconds at etcd's cost 10), which made
 * etcd's {@code Authenticate} the bottleneck with many clients (etcd#9615). So a password that passed is
 * remembered, per user and hash, as an HMAC under a key of this process only, never as itself: the same user
 * authenticating again with the same password costs one HMAC. A wrong password always pays the full bcrypt run.
 * Thread-safe.
 */
public final class Passwords {

    private static final int MAX_REMEMBERED = 100_000;

    private final int cost;
    private final SecureRandom random = new SecureRandom();
    private final byte[] rememberKey = new byte[32];
    /** User name to the hash its last good password matched and that password's HMAC. */
    private final ConcurrentHashMap<String, Remembered> remembered = new ConcurrentHashMap<>();

    private final AtomicLong bcryptChecks = new AtomicLong();
    /** Checks queued or running, by user, hash and password HMAC; as many as the pool holds at most. */
    private final ConcurrentHashMap<String, CompletableFuture<Boolean>> checking = new ConcurrentHashMap<>();
    /** A hash no password is known for, made on first use (a bcrypt run at startup would slow every start). */
    private volatile String dummyHash;

    private record Remembered(String hash, byte[] passwordMac) {
    }

    public Passwords(int cost) {
        this.cost = cost;
        random.nextBytes(rememberKey);
    }

    /** bcrypt reads at most 72 bytes of a password; a longer one is refused rather than cut (as etcd's Go bcrypt). */
    public static final int MAX_PASSWORD_BYTES = 71;

    /** A bcrypt hash of {@code password} (at most {@link #MAX_PASSWORD_BYTES}), in the usual {@code $2a$} form. */
    public String hash(String password) {
        return new String(BCrypt.withDefaults().hash(cost, password.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8);
    }

    /**
     * Whether {@code password} is the one that last matched {@code hash} for {@code user} here: one HMAC, no bcrypt.
     * False says only "not remembered"; {@link #matches} decides.
     */
    public boolean remembered(String user, String password, String hash) {
        if (hash == null || hash.isEmpty() || password == null) {
            return false;
        }
        Remembered r = remembered.get(user);
        return r != null && r.hash().equals(hash) && MessageDigest.isEqual(r.passwordMac(), mac(user, password));
    }

    /** Whether {@code password} matches {@code hash}, the user's stored bcrypt hash. */
    public boolean matches(String user, String password, String hash) {
        if (hash == null || hash.isEmpty()) {
            return false;
        }
        if (remembered(user, password, hash)) {
            return true;
        }
        boolean ok = verify(password, hash);
        if (ok) {
            if (remembered.size() >= MAX_REMEMBERED) {
                remembered.clear();
            }
            remembered.put(user, new Remembered(hash, mac(user, password)));
        }
        return ok;
    }

    /**
     * {@link #matches}, run on {@code pool}, once for identical checks that overlap: clients that start together
     * (jetcd sends an Authenticate for each call it makes before it has a token) ask the same cold question many
     * times at once, and one bcrypt run answers them all. Fails with the pool's RejectedExecutionException when the
     * pool is full.
     */
    public CompletableFuture<Boolean> matchesOnce(String user, String password, String hash, Executor pool) {
        String key = user + '\0' + hash + '\0' + HexFormat.of().formatHex(mac(user, password));
        CompletableFuture<Boolean> mine = new CompletableFuture<>();
        CompletableFuture<Boolean> running = checking.putIfAbsent(key, mine);
        if (running != null) {
            return running;
        }
        try {
            pool.execute(() -> {
                try {
                    mine.complete(matches(user, password, hash));
                } catch (RuntimeException e) {
                    mine.completeExceptionally(e);
                } finally {
                    checking.remove(key, mine);
                }
            });
        } catch (RejectedExecutionException full) {
            checking.remove(key, mine);
            mine.completeExceptionally(full);
        }
        return mine;
    }

    /**
     * Spends what checking a password costs, for a user that does not exist or has no password: the answer then
     * takes as long as for a wrong password, and does not tell which names exist.
     */
    public void spendACheck(String password) {
        String dummy = dummyHash;
        if (dummy == null) {
            dummy = hash("raftkv: no such user");
            dummyHash = dummy;
        }
        verify(password == null ? "" : password, dummy);
    }

    /** How many bcrypt checks this member ran (a remembered password costs none). */
    public long bcryptChecks() {
        return bcryptChecks.get();
    }

    private boolean verify(String password, String hash) {
        bcryptChecks.incrementAndGet();
        try {
            return BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8),
                    hash.getBytes(StandardCharsets.UTF_8)).verified;
        } catch (IllegalArgumentException e) {
            return false; // longer than bcrypt takes, or a damaged hash: no password matches it
        }
    }

    private byte[] mac(String user, String password) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(rememberKey, "HmacSHA256"));
            m.update(user.getBytes(StandardCharsets.UTF_8));
            m.update((byte) 0);
            return m.doFinal(password.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** 32 random bytes: the key a cluster's tokens are signed with, made when authentication is turned on. */
    public byte[] newTokenKey() {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return key;
    }
}
