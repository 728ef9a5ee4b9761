package raftkv.server.auth;

/**
 * What a request presented to say who sends it: a token from {@code Authenticate} (gRPC's {@code token} metadata,
 * HTTP's {@code Authorization} header), and the user a verified TLS client certificate names (its CN, used only
 * when there is no token, as etcd's {@code --client-cert-auth}). Either may be null. Resolved into a user by
 * {@link Guard} against the auth state it checks with, never before: a token and the permissions it is checked for
 * always come from one state.
 */
public record Credentials(String token, String certificateUser) {

    public static final Credentials NONE = new Credentials(null, null);

    /**
     * A user already authenticated: by a verified client certificate, or when a call that goes on acting for its
     * caller began (see {@link Guard#resolved}). Never built from anything a client sent unverified.
     */
    public static Credentials ofUser(String user) {
        return new Credentials(null, user);
    }

    public Credentials {
        token = token == null || token.isBlank() ? null : token.trim();
        certificateUser = certificateUser == null || certificateUser.isEmpty() ? null : certificateUser;
    }

    /** The token of an HTTP {@code Authorization} header: etcd's gateway takes it bare; a Bearer prefix goes too. */
    public static String tokenOfHeader(String header) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : h;
    }

    public boolean present() {
        return token != null || certificateUser != null;
    }

    @Override
    public String toString() {
        // Never the token: a toString ends up in logs.
        return "Credentials[" + (token != null ? "token" : "no token") + (certificateUser != null
                ? ", certificate of " + certificateUser : "") + "]";
    }
}
