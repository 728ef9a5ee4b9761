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
 * client's requests cost a map lookup, not an HMAC and a JSON parse each (the first request with a token, and the
 * first after a change of users or roles, pay them). Thread-safe.
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
        return check(state, token, false);
    }

    /**
     * The early check, before a request's body is read: the signature and the expiry always; the user only if
     * this member has applied the auth revision the token was issued at (a member behind may not know the user
     * yet, and the request's own check decides then).
     *
     * @throws StorageException {@link ErrorCode#INVALID_AUTH_TOKEN} as {@link #verify}
     */
    public void screen(AuthState state, String token) {
        check(state, token, true);
    }

    private String check(AuthState state, String token, boolean userMayBeAhead) {
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
        Long revision = jwt.getClaim("revision").asLong();
        User user = name == null ? null : state.user(name).orElse(null);
        if (since == null || revision == null || jwt.getExpiresAtAsInstant() == null) {
            throw invalid();
        }
        if (user == null || since != user.since()) {
            if (userMayBeAhead && revision > state.revision()) {
                return name;
            }
            throw invalid();
        }
        if (v.remembered().size() >= MAX_REMEMBERED) {
            v.remembered().clear();
        }
        v.remembered().put(token, new Verified(name, jwt.getExpiresAtAsInstant()));
        return name;
    }

    private Verifier verifierFor(AuthState state) {
        Verifier v = current;
        if (v == null || v.state() != state) {
            // A new state (they change rarely) gets its own verifier and memory; a request still holding an older
            // state does not replace the current one. Issued-at is not checked: members' clocks differ by some
            // milliseconds, and a token issued on a member ahead must stand at once on one behind.
            var checks = (JWTVerifier.BaseVerification) JWT.require(Algorithm.HMAC256(state.tokenKey()))
                    .withClaimPresence("username").withClaimPresence("since").ignoreIssuedAt();
            v = new Verifier(state, checks.build(clock), new ConcurrentHashMap<>());
            if (current == null || current.state().revision() <= state.revision()) {
                current = v;
            }
        }
        return v;
    }

    private static StorageException invalid() {
        return new StorageException(ErrorCode.INVALID_AUTH_TOKEN);
    }
}
