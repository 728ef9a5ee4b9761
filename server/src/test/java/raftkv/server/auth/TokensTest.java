package raftkv.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import raftkv.storage.ErrorCode;
import raftkv.storage.StorageException;
import raftkv.storage.auth.AuthCommand;
import raftkv.storage.auth.AuthState;

class TokensTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final Tokens tokens = new Tokens(Duration.ofMinutes(5), clock);

    private String issue(AuthState s, String user) {
        return tokens.issue(s, s.user(user).orElseThrow());
    }

    private void assertInvalid(AuthState s, String token) {
        StorageException e = assertThrows(StorageException.class, () -> tokens.verify(s, token));
        assertEquals(ErrorCode.INVALID_AUTH_TOKEN, e.code());
    }

    @Test
    void anIssuedTokenVerifiesToItsUser() {
        AuthState s = AuthStates.enabled();
        assertEquals("alice", tokens.verify(s, issue(s, "alice")));
        assertEquals(AuthState.ROOT, tokens.verify(s, issue(s, AuthState.ROOT)));
        String t = issue(s, "alice");
        assertEquals("alice", tokens.verify(s, t), "a second time, from the cache");
    }

    @Test
    void aTokenStandsInALaterStateWithTheSameKey() {
        AuthState s = AuthStates.enabled();
        String t = issue(s, "alice");
        AuthState later = s.apply(new AuthCommand.RoleAdd("unrelated"));
        assertEquals("alice", tokens.verify(later, t));
    }

    @Test
    void aTokenSignedWithAnotherKeyIsInvalid() {
        AuthState s = AuthStates.enabled();
        String t = issue(s, "alice");
        AuthState again = s.apply(new AuthCommand.Disable()).apply(new AuthCommand.Enable(new byte[] {9, 9, 9}));
        assertInvalid(again, t);
        assertInvalid(AuthStates.enabled(new byte[] {1}), t);
        // And the other way round: a token of the new key is not good in the old state.
        assertInvalid(s, issue(again, "alice"));
    }

    @Test
    void aTamperedTokenIsInvalid() {
        AuthState s = AuthStates.enabled();
        String t = issue(s, "alice");
        String[] parts = t.split("\\.");
        assertEquals(3, parts.length);
        // Flip one character of the payload, and of the signature.
        for (int part = 1; part <= 2; part++) {
            for (int i = 0; i < parts[part].length(); i += 3) {
                char[] cs = parts[part].toCharArray();
                cs[i] = cs[i] == 'A' ? 'B' : 'A';
                String[] copy = parts.clone();
                copy[part] = new String(cs);
                String tampered = String.join(".", copy);
                if (!tampered.equals(t)) {
                    assertInvalid(s, tampered);
                }
            }
        }
        // A payload rewritten to name root, with the signature kept.
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]));
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.replace("\"alice\"", "\"root\"").getBytes()) + "." + parts[2];
        assertInvalid(s, forged);
        // Unsigned ("alg": "none").
        String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}"
                .getBytes());
        assertInvalid(s, none + "." + parts[1] + ".");
    }

    @Test
    void garbageIsInvalid() {
        AuthState s = AuthStates.enabled();
        for (String g : new String[] {"garbage", "", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9..x"}) {
            assertInvalid(s, g);
        }
    }

    @Test
    void anExpiredTokenIsInvalidEvenOnceCached() {
        AuthState s = AuthStates.enabled();
        String t = issue(s, "alice");
        assertEquals("alice", tokens.verify(s, t));
        clock.advance(Duration.ofMinutes(4));
        assertEquals("alice", tokens.verify(s, t));
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        assertInvalid(s, t);
        assertInvalid(s, t);
        String never = issue(s, "alice");
        clock.advance(Duration.ofMinutes(6));
        assertInvalid(s, never);
    }

    @Test
    void aTokenOfADeletedAndRecreatedUserIsInvalid() {
        AuthState s = AuthStates.enabled();
        String t = issue(s, "alice");
        assertEquals("alice", tokens.verify(s, t));
        AuthState deleted = s.apply(new AuthCommand.UserDelete("alice"));
        assertInvalid(deleted, t);
        AuthState recreated = deleted.apply(new AuthCommand.UserAdd("alice", "aliceHash"));
        assertInvalid(recreated, t);
        assertEquals("alice", tokens.verify(recreated, issue(recreated, "alice")));
    }

    @Test
    void aTokenIssuedBeforeAPasswordChangeIsInvalid() {
        AuthState s = AuthStates.enabled();
        String t = issue(s, "alice");
        assertEquals("alice", tokens.verify(s, t));
        AuthState changed = s.apply(new AuthCommand.UserChangePassword("alice", "newHash"));
        assertInvalid(changed, t);
        assertEquals("alice", tokens.verify(changed, issue(changed, "alice")));
        assertEquals(AuthState.ROOT, tokens.verify(changed, issue(s, AuthState.ROOT)),
                "another user's token stands");
    }
}
