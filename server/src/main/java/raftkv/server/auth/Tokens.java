package raftkv.server.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import raftkv.storage.ErrorCode;
import raftkv.storage.StorageException;
import raftkv.storage.auth.AuthState;
import raftkv.storage.auth.User;

/**
 * Auth tokens: JWTs signed with HS256 by the key that turning authentication on put into the replicated auth state,
 * so that every member issues and verifies them alike and a token stands on every member, across leader changes,
 * with nothing replicated per {@code Authenticate} (etcd's simple tokens need a Raft round each, and live in one
 * member's memory).
 *
 * <p>Claims: {@code username}; {@code revision}, the auth revision it was issued at; {@code since}, the user's own
 * revision ({@link User#since()}), so that deleting and re-creating the user or changing its password ends it; and
 * {@code exp}. Turning authentication off and on again makes a new key, which ends every token.
 *
 * <p>A verified token is remembered for the state it was verified against (states change rarely), so that a busy
 * client's requests cost a map lookup, not an HMAC and a JSON parse each. Thread-safe.
 */
public final class Tokens {

    private static final int MAX_REMEMBERED = 100_000;

    private final Duration ttl;
    private final Clock clock;

    private volatile Verifier current;

    /** A state's verifier and the tokens it has verified, with their expiry. */
    private record Verifier(AuthState state, JWTVerifier jwt, ConcurrentHashMap<String, Verified> remembered) {
    }

    private record Verified(String user, Instant expires) {
    }

    public Tokens(Duration ttl, Clock clock) {
        this.ttl = ttl;
        this.clock = clock;
    }

    /** A token for {@code user}, which exists in {@code state} with authentication on. */
    public String issue(AuthState state, User user) {
        Instant now = clock.instant();
        return JWT.create()
                .withClaim("username", user.name())
                .withClaim("revision", state.revision())
                .withClaim("since", user.since())
                .withIssuedAt(now)
                .withExpiresAt(now.plus(ttl))
                .sign(Algorithm.HMAC256(state.tokenKey()));
    }

    /**
     * The user {@code token} stands for in {@code state} (authentication on).
     *
     * @throws StorageException {@link ErrorCode#INVALID_AUTH_TOKEN} for a token that is forged, expired, signed
     *                          before authentication was last turned on, or for a user deleted or re-created since
     */
    public String verify(AuthState state, String token) {
        Verifier v = verifierFor(state);
        Verified known = v.remembered().get(token);
        if (known != null) {
            if (clock.instant().isBefore(known.expires())) {
                return known.user();
            }
            v.remembered().remove(token);
            throw invalid();
        }
        DecodedJWT jwt;
        try {
            jwt = v.jwt().verify(token);
        } catch (JWTVerificationException e) {
            throw invalid();
        }
        String name = jwt.getClaim("username").asString();
        Long since = jwt.getClaim("since").asLong();
        User user = name == null ? null : state.user(name).orElse(null);
        if (user == null || since == null || since != user.since() || jwt.getExpiresAtAsInstant() == null) {
            throw invalid();
        }
        if (v.remembered().size() >= MAX_REMEMBERED) {
            v.remembered().clear();
        }
        v.remembered().put(token, new Verified(name, jwt.getExpiresAtAsInstant()));
        return name;
    }

    /** The auth revision a token says it was issued at, unverified (0 if it says none): to tell a stale member. */
    public static long issuedAtRevision(String token) {
        try {
            Long rev = JWT.decode(token).getClaim("revision").asLong();
            return rev == null ? 0 : rev;
        } catch (JWTVerificationException e) {
            return 0;
        }
    }

    private Verifier verifierFor(AuthState state) {
        Verifier v = current;
        if (v == null || v.state() != state) {
            var checks = (JWTVerifier.BaseVerification) JWT.require(Algorithm.HMAC256(state.tokenKey()))
                    .withClaimPresence("username").withClaimPresence("since");
            v = new Verifier(state, checks.build(clock), new ConcurrentHashMap<>());
            current = v;
        }
        return v;
    }

    private static StorageException invalid() {
        return new StorageException(ErrorCode.INVALID_AUTH_TOKEN);
    }
}
