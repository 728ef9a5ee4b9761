package raftkv.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * The token a client with a user name and password attaches to its requests, as etcd's clients keep it. It is fetched
 * ({@code /v3/auth/authenticate}) on first use, on whichever endpoint answers, and fetched again when a node refuses
 * it ({@link RaftKvException.Unauthenticated}: expired, or older than the last change of users, roles or
 * permissions), or shortly before the expiry a JWT token states. Concurrent requests share one authentication in
 * flight. A refused password is reported to the requests waiting for it, and the next request tries again: nothing
 * here retries on its own.
 *
 * <p>When authentication is not enabled the token is null (no header); if it gets enabled later, the refusal of a
 * request without a token ({@code user name is empty}) renews it the same way.
 *
 * <p>Neither the password nor a token is ever logged or put in a message.
 *
 * <p>Threads: any thread asks for the token; authentications complete on Netty's event loop. The state is guarded by
 * this object's lock, never held while a request is sent.
 */
final class AuthTokens {

    /** A JWT token is renewed this long before it expires, so that no request carries one that expires in flight. */
    private static final long RENEW_BEFORE_EXPIRY_MS = 30_000;

    private final String user;
    private final String password;
    /** Sends the authentication: completes with the token, or null when authentication is not enabled. */
    private final BiFunction<String, String, CompletableFuture<String>> authenticate;
    // guarded by this: the token (its value), or the authentication in flight; null before the first
    private CompletableFuture<String> current;
    // guarded by this: System.currentTimeMillis() after which current's token should be renewed
    private long renewAtMillis = Long.MAX_VALUE;

    AuthTokens(String user, String password, BiFunction<String, String, CompletableFuture<String>> authenticate) {
        this.user = Objects.requireNonNull(user, "user");
        this.password = Objects.requireNonNull(password, "password");
        this.authenticate = authenticate;
    }

    String user() {
        return user;
    }

    /** The token to send (null: none is needed), once it is known. */
    synchronized CompletableFuture<String> token() {
        if (current == null || current.isCompletedExceptionally()
                || current.isDone() && System.currentTimeMillis() >= renewAtMillis) {
            fetch();
        }
        return current;
    }

    /**
     * A node refused {@code refused} (null: a request sent without one); completes with the token to send instead.
     * Only the first of several requests refused with the same token authenticates again; the others get its answer.
     */
    synchronized CompletableFuture<String> renew(String refused) {
        if (current == null || current.isCompletedExceptionally()
                || current.isDone() && Objects.equals(current.getNow(null), refused)) {
            fetch();
        }
        return current;
    }

    // under this
    private void fetch() {
        renewAtMillis = Long.MAX_VALUE;
        CompletableFuture<String> f = authenticate.apply(user, password);
        current = f;
        f.thenAccept(token -> {
            long expiry = jwtExpiryMillis(token);
            if (expiry > 0) {
                synchronized (this) {
                    if (current == f) {
                        // A short-lived token is renewed halfway, and never more than once a second.
                        long now = System.currentTimeMillis();
                        renewAtMillis = Math.max(now + 1_000,
                                Math.max(expiry - RENEW_BEFORE_EXPIRY_MS, now + (expiry - now) / 2));
                    }
                }
            }
        });
    }

    /** The expiry ({@code exp}, in ms) a JWT token states; 0 for a simple token or one that states none. */
    static long jwtExpiryMillis(String token) {
        if (token == null) {
            return 0;
        }
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return 0;
        }
        try {
            JsonNode claims = Rpc.JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return claims.path("exp").canConvertToLong() ? claims.path("exp").asLong() * 1000 : 0;
        } catch (java.io.IOException | IllegalArgumentException notJwt) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return "AuthTokens[" + user + "]";
    }
}
